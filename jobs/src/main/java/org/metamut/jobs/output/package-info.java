/**
 * The one way a metamut job replaces what it writes, on the Hadoop FileSystem API (local disk, HDFS and object
 * stores share the code).
 *
 * <ul>
 *   <li>{@link org.metamut.jobs.output.OutputFolder}: a folder is staged under a hidden sibling
 *       ({@code .<name>.tmp-<id>}), marked ({@value org.metamut.jobs.output.OutputMarker#FILE}: job, metamut
 *       version, time, run id) and published by rename. The previous version stays until the new one is in place:
 *       it is moved aside ({@code .<name>.old-<id>}), the new one renamed in, then the old one deleted; a process
 *       that dies in between is repaired by the next open (old version restored, or its leftover deleted).</li>
 *   <li>{@link org.metamut.jobs.output.AtomicFile}: the same for one file (model files).</li>
 *   <li>A folder that is not empty and not marked as the same job's output is never replaced or deleted:
 *       {@link org.metamut.jobs.output.OutputRefusedException}, a one-line message naming the folder and what
 *       to do, with every file left in place.</li>
 *   <li>{@link org.metamut.jobs.output.FaultPoint}: named points inside commits where a real-process fault test
 *       pauses the driver (a JVM system property, never configuration) to kill it there.</li>
 * </ul>
 *
 * <p>Invariants: readers see the old complete version or the new complete version, never a mix (rename is
 * atomic on a local filesystem and HDFS; on object stores (S3, GCS) a folder rename is a copy, so this is
 * best-effort there). One writer per output folder: an open removes leftovers of earlier writers of the same
 * folder, so two concurrent runs into one folder are not supported (ingest has its own lock for that).
 * Hidden ({@code .}) and {@code _}-prefixed names are skipped by Spark and Parquet readers, so staging folders
 * and markers never appear as data.
 */
package org.metamut.jobs.output;
