/**
 * The {@code metamut} command line (picocli): one sub-command per job, shared configuration options,
 * exit codes (0 ok, 1 job failed, 2 usage, 3 invalid configuration). Commands only parse arguments and
 * hand a validated configuration to the jobs; no job logic lives here. Every failure ends in one line on stderr
 * ({@link org.metamut.jobs.cli.Failures}: what, where, what to do; Spark's wrappers looked through), the stack trace
 * only under {@code --verbose}. {@code model info} reads a model file
 * ({@code lib.io.ModelInfo}) without starting Spark.
 */
package org.metamut.jobs.cli;
