/**
 * The ingestion job ({@link org.metamut.jobs.ingest.IngestJob}): the dataset catalogue, row adapters (one
 * class per file format behind {@code RowAdapter}), the streaming line reader, validation, quarantine,
 * duplicate merging, per-task normalisation, protein identity, episode sampling and splits, the run manifest,
 * and the atomic commit (through {@link org.metamut.jobs.output.OutputFolder}) + lock of the output folder
 * ({@code OutputStore}).
 *
 * <p>Invariants:
 * <ul>
 *   <li>Every input line becomes exactly one parsed row (header, blank, ok or quarantine): per source, rows
 *       read = variants + duplicates merged + quarantined, recorded in {@code ingest-manifest.json}.</li>
 *   <li>Mutation positions in outputs are 1-based into the {@code proteins} sequence; variants are canonical
 *       (sorted, no synonymous substitutions); {@code value} is higher-is-better, {@code y} its per-task
 *       z-score.</li>
 *   <li>Outputs are replaced only by a journalled rename of completely written folders; the manifest is
 *       written last. A run holds {@code .ingest.lock} from start to end.</li>
 *   <li>Nothing proportional to the input rows is collected on the driver: only per-file, per-protein and
 *       per-task aggregates. Closures capture small immutable records; no static mutable state.</li>
 *   <li>Under leave-one-protein-out no row of a held-out protein group is in a meta-train task: a pooled task's
 *       rows of held-out groups form the derived tasks {@code <task>@meta-val} / {@code <task>@meta-test}
 *       ({@link org.metamut.jobs.data.HeldOutPools}), and the split of every protein's group is written to
 *       {@code proteins.split}, which the other jobs read instead of re-deriving it.</li>
 * </ul>
 * Design notes (merge rule, normalisation, pooling, splits): {@code src/docs/ingest.md}.
 */
package org.metamut.jobs.ingest;
