/**
 * The ND4J backend (nd4j-native by default, nd4j-cuda with the {@code cuda} Maven profile): what is loaded
 * ({@link org.metamut.lib.backend.Nd4jBackend}) and, on the CPU backend, which OpenBLAS kernels run
 * ({@link org.metamut.lib.backend.BlasCoreType}, which must act before anything loads ND4J: entry points call it
 * first).
 */
package org.metamut.lib.backend;
