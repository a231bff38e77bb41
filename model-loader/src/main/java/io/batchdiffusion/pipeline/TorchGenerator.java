package io.batchdiffusion.pipeline;

/**
 * A Java copy of PyTorch's CPU random generator ({@code torch.Generator().manual_seed(seed)}) and of
 * its {@code randn} for float32 tensors of at least 16 elements, so that a seed gives the initial
 * latents diffusers would draw on the CPU: users can move a seed between the two and get the same
 * picture.
 *
 * <p>PyTorch's generator is a standard MT19937 seeded with the low 32 bits of the seed. {@code
 * randn} fills the tensor with uniform floats (24 random bits each), then applies Box-Muller to each
 * block of 16 values, pairing element {@code j} with {@code j + 8}; when the size is not a multiple
 * of 16, the last 16 values are recomputed from fresh uniforms. Each generator is one image's
 * stream, so an image's noise never depends on its neighbours in a batch.
 */
public final class TorchGenerator {

    private static final int N = 624;
    private static final int M = 397;

    private final int[] state = new int[N];
    private int index;

    public TorchGenerator(long seed) {
        state[0] = (int) seed;
        for (int i = 1; i < N; i++) {
            state[i] = 1812433253 * (state[i - 1] ^ (state[i - 1] >>> 30)) + i;
        }
        index = N;
    }

    /** The next 32 random bits, as an unsigned value in a long. */
    long nextUnsignedInt() {
        if (index >= N) {
            twist();
        }
        int y = state[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (state[i] & 0x80000000) | (state[(i + 1) % N] & 0x7fffffff);
            int next = state[(i + M) % N] ^ (y >>> 1);
            state[i] = (y & 1) != 0 ? next ^ 0x9908b0df : next;
        }
        index = 0;
    }

    /** {@code uniform_real_distribution<float>(0, 1)}: 24 random bits scaled to [0, 1). */
    float nextUniformFloat() {
        return (nextUnsignedInt() & ((1 << 24) - 1)) * 0x1.0p-24f;
    }

    /** Standard normal float32 values as {@code torch.randn(count, generator=g)} gives them. */
    public float[] randn(int count) {
        if (count < 16) {
            throw new IllegalArgumentException("randn of fewer than 16 values follows another path; got " + count);
        }
        float[] data = new float[count];
        for (int i = 0; i < count; i++) {
            data[i] = nextUniformFloat();
        }
        for (int start = 0; start + 16 <= count; start += 16) {
            boxMuller16(data, start);
        }
        if (count % 16 != 0) {
            int start = count - 16;
            for (int i = start; i < count; i++) {
                data[i] = nextUniformFloat();
            }
            boxMuller16(data, start);
        }
        return data;
    }

    private static void boxMuller16(float[] data, int start) {
        for (int j = 0; j < 8; j++) {
            float u1 = 1 - data[start + j];
            float u2 = data[start + j + 8];
            float radius = (float) Math.sqrt(-2 * (float) Math.log(u1));
            float theta = (float) (2.0 * Math.PI * u2);
            data[start + j] = radius * (float) Math.cos(theta);
            data[start + j + 8] = radius * (float) Math.sin(theta);
        }
    }
}
