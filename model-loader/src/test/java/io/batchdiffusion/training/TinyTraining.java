package io.batchdiffusion.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.batchdiffusion.clip.ClipImageProcessor;
import io.batchdiffusion.clip.ClipImageProcessorConfig;
import io.batchdiffusion.clip.ClipModel;
import io.batchdiffusion.clip.ClipTextModel;
import io.batchdiffusion.config.ConfigLoader;
import io.batchdiffusion.datasets.shapes.ShapeScene;
import io.batchdiffusion.datasets.shapes.ShapesDataset;
import io.batchdiffusion.testing.Fixtures;
import io.batchdiffusion.tokenizer.ClipTokenizer;
import io.batchdiffusion.unet.UNet2DConditionModel;
import io.batchdiffusion.vae.AutoencoderKL;
import io.batchdiffusion.weights.RandomInit;
import io.batchdiffusion.weights.Weights;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds the shapes model's stages on fresh weights for tests. */
final class TinyTraining {

    static final long SEED = 5;
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    final ShapesDataset data = ShapesDataset.train(SEED);
    final ShapesVocabulary vocabulary;
    final ClipTokenizer tokenizer;
    final ShapesModelConfigs configs;
    final NDManager manager;

    TinyTraining(Path tmp, NDManager manager) {
        this.manager = manager;
        Set<String> words = new LinkedHashSet<>(List.of(","));
        for (ShapeScene s : data.scenes(0, 2000)) {
            words.addAll(List.of(s.caption().split("[ ,]+")));
        }
        vocabulary = ShapesVocabulary.build(reference().resolve("merges.txt"), new ArrayList<>(words));
        vocabulary.write(tmp.resolve("tokenizer"), reference(), ShapesModelConfigs.MAX_TOKENS);
        tokenizer = ClipTokenizer.fromFolder(tmp.resolve("tokenizer"));
        configs = ShapesModelConfigs.of(vocabulary, 1);
    }

    static Path reference() {
        return Fixtures.tinySdA().resolve("tokenizer");
    }

    Weights fresh(long seed) {
        return Weights.initialized(NativeInit.of(new RandomInit(seed)), manager, DataType.FLOAT32);
    }

    ClipStage clip(Weights w, StagePlan plan) {
        ClipModel model = new ClipModel(w, configs.clip());
        ClipImageProcessor processor = new ClipImageProcessor(ConfigLoader.fromJson(
                Path.of("preprocessor_config.json"),
                ShapesModelWriter.preprocessor(),
                ClipImageProcessorConfig.class,
                ClipImageProcessorConfig.DEFAULTS));
        return new ClipStage(model, w.taken(), processor, tokenizer, data, SEED, plan);
    }

    VaeStage vae(Weights w, StagePlan plan) {
        AutoencoderKL vae = AutoencoderKL.build(configs.vae(), w, ShapesModelConfigs.source());
        return new VaeStage(vae, w.taken(), data, SEED, plan);
    }

    UNetStage unet(Weights w, StagePlan plan, int poolSize) {
        AutoencoderKL vae = AutoencoderKL.build(configs.vae(), fresh(11), ShapesModelConfigs.source());
        LatentPool pool = LatentPool.encode(vae, data, poolSize, SEED, manager);
        ClipTextModel text = new ClipTextModel(fresh(12), configs.clip().textConfig());
        UNet2DConditionModel unet = UNet2DConditionModel.build(configs.unet(), w, ShapesModelConfigs.source());
        return new UNetStage(unet, w.taken(), text, tokenizer, pool, data, SEED, plan);
    }

    /** The stage always trained on the batch of step 0. */
    static Stage onOneBatch(Stage stage) {
        return new Stage() {
            @Override
            public String name() {
                return stage.name();
            }

            @Override
            public Map<String, NDArray> parameters() {
                return stage.parameters();
            }

            @Override
            public StagePlan plan() {
                return stage.plan();
            }

            @Override
            public NDArray loss(int step, NDManager batch) {
                return stage.loss(0, batch);
            }
        };
    }
}
