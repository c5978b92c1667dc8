/**
 * The ND4J backend (nd4j-native by default, nd4j-cuda with the {@code cuda} Maven profile): what is loaded
 * ({@link org.metamut.lib.backend.Nd4jBackend}) and, on the CPU backend, which OpenBLAS kernels run
 * ({@link org.metamut.lib.backend.BlasCoreType}, which must act before anything loads ND4J: entry points call it
 * first) and whether the model's float SIMD kernels can run ({@link org.metamut.lib.backend.VectorApi}).
 */
package org.metamut.lib.backend;
