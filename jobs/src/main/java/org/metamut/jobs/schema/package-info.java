/**
 * Parquet schemas shared by the jobs ({@link org.metamut.jobs.schema.Schemas}). Invariants: mutation
 * positions are 1-based; a variant's mutation list is canonical (sorted, no synonymous substitutions);
 * {@code y} is higher-is-better within its task. Columns are read by name: add, never rename.
 */
package org.metamut.jobs.schema;
