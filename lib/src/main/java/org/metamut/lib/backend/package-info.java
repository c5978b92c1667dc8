/** The ND4J backend (nd4j-native by default, nd4j-cuda with the {@code cuda} Maven profile): what is loaded. */
package org.metamut.lib.backend;
