/**
 * Progress reporting for long work (counts, rate, ETA), shared by the Spark jobs and the trainers in
 * {@code lib}. No Spark imports, no output of its own: lines go to the sink the caller gives.
 */
package org.metamut.lib.progress;
