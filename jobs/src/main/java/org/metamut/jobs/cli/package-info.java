/**
 * The {@code metamut} command line (picocli): one sub-command per job, shared configuration options,
 * exit codes (0 ok, 1 job failed, 2 usage, 3 invalid configuration). Commands only parse arguments and
 * hand a validated configuration to the jobs; no job logic lives here. {@code model info} reads a model file
 * ({@code lib.io.ModelInfo}) without starting Spark.
 */
package org.metamut.jobs.cli;
