/**
 * Closed-form per-task heads for meta-learning (R2-D2, Bertinetto et al. 2019; MetaOptNet, Lee et al. 2019):
 * a Bayesian linear regression on a task's support features, solved exactly, with its predictive mean and variance
 * for query variants, the leave-one-out residuals that choose a penalty per task, and the analytic gradient of the
 * query loss with respect to the support and query features and the log-penalties — so a backbone can be
 * meta-learned through the solve without Hessian-vector products.
 *
 * <p>Everything is computed in the k × k kernel (Woodbury) form, which is exact for any feature dimension and cheap
 * when the support is smaller than the feature dimension (the few-shot case). Plain {@code double[][]} and a
 * Cholesky factorisation: no ND4J, no Spark.
 */
package org.metamut.lib.head;
