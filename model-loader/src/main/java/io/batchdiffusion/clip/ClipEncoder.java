package io.batchdiffusion.clip;

import ai.djl.ndarray.NDArray;
import io.batchdiffusion.nn.Activation;
import io.batchdiffusion.nn.Scope;
import io.batchdiffusion.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/** transformers' {@code CLIPEncoder}: {@code layers.0 .. layers.N-1}. */
final class ClipEncoder {

    private final List<ClipEncoderLayer> layers = new ArrayList<>();

    ClipEncoder(Weights w, int hidden, int intermediate, int layerCount, int heads, String act, double eps) {
        Activation activation = Activation.fromConfig(act, w.path("layers") + " hidden_act");
        for (int i = 0; i < layerCount; i++) {
            layers.add(new ClipEncoderLayer(w.pp("layers").pp(i), hidden, intermediate, heads, activation, eps));
        }
    }

    int layerCount() {
        return layers.size();
    }

    /**
     * Runs layers {@code [from, to)}; {@code forward(x, mask, 0, k)} is transformers' {@code hidden_states[k]}
     * (index 0 being the embeddings). Returns {@code x} itself when the range is empty.
     */
    NDArray forward(NDArray x, NDArray mask, int from, int to) {
        if (from == to) {
            return x;
        }
        return Scope.run(() -> {
            NDArray h = x;
            for (int i = from; i < to; i++) {
                NDArray next = layers.get(i).forward(h, mask);
                if (h != x) {
                    h.close(); // a 12-layer tower would otherwise hold every state until the scope ends
                }
                h = next;
            }
            return h;
        });
    }
}
