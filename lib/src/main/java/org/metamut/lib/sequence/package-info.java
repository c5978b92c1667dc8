/**
 * Protein sequences as files hold them: {@link org.metamut.lib.sequence.Fasta} parses FASTA text into records.
 * Reading the bytes (local or HDFS) is the caller's business; this package only sees a {@code Reader} and the
 * file's name, so that every refusal names the file and line. No Spark or Hadoop imports.
 */
package org.metamut.lib.sequence;
