package io.batchdiffusion.schedulers;

/**
 * The linear multistep coefficients of diffusers' {@code LMSDiscreteScheduler.get_lms_coefficient}: the
 * integral over [sigma_t, sigma_{t+1}] of the Lagrange basis polynomial through the last {@code order}
 * sigmas. Upstream integrates with {@code scipy.integrate.quad}, which for a polynomial returns the
 * 21-point Gauss-Kronrod sum of its first pass, evaluating the integrand in float32 (it multiplies torch
 * float32 scalars); both are reproduced here so the coefficients round as upstream.
 */
final class LmsCoefficients {

    /** QUADPACK dqk21 Kronrod abscissae (descending, the last is the centre) and weights. */
    private static final double[] XGK = {
        0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
        0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
        0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
        0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
        0.294392862701460198131126603103866, 0.148874338981631210884826001129720,
        0.000000000000000000000000000000000
    };

    private static final double[] WGK = {
        0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
        0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
        0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
        0.123491976262065851077208175080292, 0.134709217311473325928054001771707,
        0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
        0.149445554002916905664936468389821
    };

    private LmsCoefficients() {}

    /** Coefficient of the derivative {@code currentOrder} steps back, at step {@code t}. */
    static double coefficient(float[] sigmas, int order, int t, int currentOrder) {
        return kronrod21(sigmas[t], sigmas[t + 1], tau -> lagrangeBasis(sigmas, order, t, currentOrder, tau));
    }

    /** prod_{k != current} (tau - sigma_{t-k}) / (sigma_{t-current} - sigma_{t-k}), in float32. */
    private static double lagrangeBasis(float[] sigmas, int order, int t, int currentOrder, double tau) {
        if (order == 1) {
            return 1.0;
        }
        float prod = 1f;
        for (int k = 0; k < order; k++) {
            if (k == currentOrder) {
                continue;
            }
            prod *= ((float) tau - sigmas[t - k]) / (sigmas[t - currentOrder] - sigmas[t - k]);
        }
        return prod;
    }

    /** QUADPACK's dqk21 result, summed in its order. */
    private static double kronrod21(double a, double b, java.util.function.DoubleUnaryOperator f) {
        double centre = 0.5 * (a + b);
        double halfLength = 0.5 * (b - a);
        double resk = WGK[10] * f.applyAsDouble(centre);
        for (int j = 1; j <= 5; j++) {
            resk += WGK[2 * j - 1] * pairSum(f, centre, halfLength * XGK[2 * j - 1]);
        }
        for (int j = 1; j <= 5; j++) {
            resk += WGK[2 * j - 2] * pairSum(f, centre, halfLength * XGK[2 * j - 2]);
        }
        return resk * halfLength;
    }

    private static double pairSum(java.util.function.DoubleUnaryOperator f, double centre, double abscissa) {
        return f.applyAsDouble(centre - abscissa) + f.applyAsDouble(centre + abscissa);
    }
}
