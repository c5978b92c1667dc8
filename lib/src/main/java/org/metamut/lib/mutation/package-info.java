/**
 * Mutations and variants as immutable values. Invariant: positions are 1-based into the wild-type
 * sequence of the protein (whatever the source's own numbering was; adapters convert). No Spark imports.
 */
package org.metamut.lib.mutation;
