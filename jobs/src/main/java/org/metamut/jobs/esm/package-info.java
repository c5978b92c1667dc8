/**
 * ESM-2 on Spark: the Parquet cache of frozen per-variant ESM-2 features ({@link org.metamut.jobs.esm.EsmFeatureCache})
 * that lets a later {@code evaluate} with {@code ridge-esm}, {@code esm-zero-shot} or a closed-form head's ESM-2 block,
 * and a later {@code score} ({@code --esm-zero-shot}, or {@code --labelled} with that block), skip the forward pass, and the
 * store the executors read it through ({@link org.metamut.jobs.esm.CachedFeatures}); and how executors get a
 * checkpoint's model ({@link org.metamut.jobs.esm.SharedModels}: loaded once per executor JVM from the folder's path,
 * shared by its task threads).
 *
 * <p>Invariants: a cache folder belongs to one checkpoint fingerprint (the folder is named by it, its manifest and every
 * row carry it, and a reader checks all three), so another checkpoint never reads its rows; a cache is replaced as a
 * whole through {@link org.metamut.jobs.output.OutputFolder} (staged, then renamed in) and read only when its manifest,
 * written last, matches the files it lists, so a killed or truncated write is ignored (recomputed), never read; the
 * values are a pure function of (checkpoint, wild type, mutations), so a hit changes no result, bit for bit.
 */
package org.metamut.jobs.esm;
