/**
 * Where an artifact came from: build version and commit ({@link org.metamut.lib.provenance.BuildInfo}), and
 * the one SHA-256 helper every checksum, fingerprint and content id is computed with
 * ({@link org.metamut.lib.provenance.Sha256}). Folder fingerprints walk file systems, so they live in the jobs
 * module (on Hadoop's FileSystem API); lib only hashes bytes and streams.
 */
package org.metamut.lib.provenance;
