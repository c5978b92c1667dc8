/** Where an artifact came from: build version and commit ({@link org.metamut.lib.provenance.BuildInfo}). */
package org.metamut.lib.provenance;
