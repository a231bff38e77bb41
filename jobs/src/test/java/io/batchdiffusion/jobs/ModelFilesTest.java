package io.batchdiffusion.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {

    @TempDir
    Path tmp;

    private Path model() throws IOException {
        Path model = Files.createDirectories(tmp.resolve("model/unet"));
        Files.writeString(model.resolve("config.json"), "{\"sample_size\": 4}");
        Files.write(model.resolve("diffusion_pytorch_model.safetensors"), new byte[] {1, 2, 3, 4});
        return model.getParent();
    }

    private ModelDescriptor describe(Path model) {
        return ModelFiles.describe(model.toString(), new Configuration(), relative -> true);
    }

    @Test
    void aLocalFolderWhoseFileChangedIsRefusedNamingTheFileAndBothChecksums() throws IOException {
        Path model = model();
        ModelDescriptor described = describe(model);
        Files.write(model.resolve("unet/diffusion_pytorch_model.safetensors"), new byte[] {1, 2, 3, 5});
        assertThatThrownBy(() -> ModelFiles.verifyLocal(described, model))
                .isInstanceOf(ModelFiles.ModelIntegrityException.class)
                .hasMessageContaining("does not match its fingerprint: unet/diffusion_pytorch_model.safetensors")
                .hasMessageContaining(
                        "expected sha256 " + described.sha256ByFile().get("unet/diffusion_pytorch_model.safetensors"));
    }

    @Test
    void aCachedCopyChangedOnDiskIsCopiedAgainBeforeUse() throws IOException {
        Path model = model();
        ModelDescriptor described = describe(model);
        AtomicInteger copies = new AtomicInteger();
        ModelFiles.FileSource source = (relative, out) -> {
            copies.incrementAndGet();
            try (var in = Files.newInputStream(model.resolve(relative))) {
                return ModelFiles.sha256(in, out);
            }
        };
        Path cache = tmp.resolve("cache");
        Path cached = ModelFiles.materialize(described, cache, source);
        assertThat(copies.get()).isEqualTo(2);
        assertThat(ModelFiles.materialize(described, cache, source)).isEqualTo(cached);
        assertThat(copies.get()).as("an intact copy is reused").isEqualTo(2);

        Files.write(cached.resolve("unet/diffusion_pytorch_model.safetensors"), new byte[] {9, 9, 9, 9});
        Path again = ModelFiles.materialize(described, cache, source);
        assertThat(copies.get()).as("a changed copy is replaced").isEqualTo(4);
        assertThat(Files.readAllBytes(again.resolve("unet/diffusion_pytorch_model.safetensors")))
                .containsExactly(1, 2, 3, 4);
        ModelFiles.verifyLocal(described, again);
    }

    @Test
    void aSourceThatDisagreesWithTheDescriptionLeavesNoCachedCopy() throws IOException {
        Path model = model();
        ModelDescriptor described = describe(model);
        Files.write(model.resolve("unet/diffusion_pytorch_model.safetensors"), new byte[] {0});
        Path cache = tmp.resolve("cache");
        assertThatThrownBy(() -> ModelFiles.materialize(described, new Configuration(), cache))
                .isInstanceOf(ModelFiles.ModelIntegrityException.class)
                .hasMessageContaining("unet/diffusion_pytorch_model.safetensors (expected sha256");
        assertThat(cache.resolve(described.fingerprint())).doesNotExist();
        try (var left = Files.list(cache)) {
            assertThat(left).as("no staging folder left").isEmpty();
        }
    }

    @Test
    void pickleAndCodeFilesAreRefusedByNameWhenTheModelIsDescribed() throws IOException {
        for (String name : new String[] {"unet/model.ckpt", "weights.pkl", "text_encoder/pytorch_model.bin", "x.py"}) {
            Path model = model();
            Files.createDirectories(model.resolve(name).getParent());
            Files.writeString(model.resolve(name), "never read");
            assertThatThrownBy(() -> describe(model))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("holds " + name + ": refusing a");
            Files.delete(model.resolve(name));
        }
    }
}
