/**
 * Spark plumbing shared by every job: the {@link org.metamut.jobs.spark.JobContext} (configuration,
 * console, a SparkSession that respects what spark-submit set), log levels and stage progress lines.
 * Nothing here knows about proteins or models.
 */
package org.metamut.jobs.spark;
