/**
 * ESM-2 on Spark: how executors get a checkpoint's model ({@link org.metamut.jobs.esm.SharedModels}: loaded once per
 * executor JVM from the folder's path, shared by its task threads).
 */
package org.metamut.jobs.esm;
