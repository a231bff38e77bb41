/**
 * Building blocks DJL's NDArray API lacks or spreads over several calls (GroupNorm, attention,
 * activations by their config names), each bound to its weights by tensor path. Internal to the
 * model code: public only because the model packages sit beside it.
 */
package io.batchdiffusion.nn;
