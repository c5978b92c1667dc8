/**
 * The transformer regressor and its functional view ({@link org.metamut.lib.model.FlatModel}): parameters
 * as one flat vector with a stable, documented layout; loss and gradient at any θ. No Spark imports.
 */
package org.metamut.lib.model;
