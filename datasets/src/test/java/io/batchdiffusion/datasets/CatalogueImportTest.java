package io.batchdiffusion.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogueImportTest {

    @TempDir
    Path tmp;

    static Path catalogues() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("datasets/catalogues"))) {
            dir = dir.getParent();
        }
        return dir.resolve("datasets/catalogues");
    }

    @Test
    void importsEveryPartiPromptWithItsCategoryAndChallenge() throws IOException {
        CatalogueImport.Result result;
        try (Reader in = Files.newBufferedReader(catalogues().resolve("PartiPrompts.tsv"), StandardCharsets.UTF_8)) {
            result = CatalogueImport.read(CatalogueImport.Format.PARTI, in);
        }
        assertThat(result.problems()).isEmpty();
        assertThat(result.rows()).hasSize(1632);
        CatalogueRow first = result.rows().get(0);
        assertThat(first.id()).isEqualTo("parti-0001");
        assertThat(first.prompt()).isEqualTo("bond");
        assertThat(first.extra()).containsEntry("category", "Abstract").containsEntry("challenge", "Basic");
        assertThat(result.rows()).extracting(CatalogueRow::prompt).anyMatch(p -> p.contains("\"PEACE\""));
    }

    @Test
    void readsTextLinesSkippingBlankOnes() {
        var result = CatalogueImport.read(CatalogueImport.Format.TEXT, new StringReader("a cat\n\n  a dog  \n"));
        assertThat(result.rows()).extracting(CatalogueRow::prompt).containsExactly("a cat", "a dog");
        assertThat(result.rows()).extracting(CatalogueRow::id).containsExactly("line-000001", "line-000003");
    }

    @Test
    void readsJsonLinesAndReportsBadLinesByNumberWithoutLosingTheOthers() {
        String jsonl = """
                {"prompt": "a cat", "seed": 7, "guidance_scale": 3.5, "style": "photo"}
                not json
                {"prompt": "a dog", "seed": "seven"}
                {"text": "no prompt"}
                {"prompt": "a bird", "id": 42, "width": 64}
                """;
        var result = CatalogueImport.read(CatalogueImport.Format.JSONL, new StringReader(jsonl));
        assertThat(result.rows()).extracting(CatalogueRow::prompt).containsExactly("a cat", "a bird");
        assertThat(result.rows().get(0).seed()).isEqualTo(7L);
        assertThat(result.rows().get(0).guidanceScale()).isEqualTo(3.5);
        assertThat(result.rows().get(0).extra()).containsEntry("style", "photo");
        assertThat(result.rows().get(1).id()).isEqualTo("42");
        assertThat(result.rows().get(1).width()).isEqualTo(64);
        assertThat(result.problems())
                .hasSize(3)
                .anyMatch(p -> p.startsWith("line 2: not JSON"))
                .anyMatch(p -> p.startsWith("line 3: field 'seed' must be a 64-bit integer"))
                .anyMatch(p -> p.startsWith("line 4: no string field 'prompt'"));
    }

    @Test
    void rejectsATsvThatIsNotPartiPrompts() {
        assertThatThrownBy(() -> CatalogueImport.read(CatalogueImport.Format.PARTI, new StringReader("a,b\n")))
                .hasMessageContaining("not a PartiPrompts TSV");
    }

    @Test
    void parquetRoundTripKeepsEveryColumn() {
        List<CatalogueRow> rows = List.of(
                new CatalogueRow(
                        "r1", "a cat", "blurry", 5L, 7.5, 20, 512, 384, "ddim", java.util.Map.of("style", "x")),
                CatalogueRow.of("r2", "a dog"));
        String uri = tmp.resolve("c.parquet").toString();
        CatalogueParquet.write(rows, uri, new Configuration());
        List<CatalogueRow> read = CatalogueParquet.read(uri, new Configuration());
        assertThat(read).hasSize(2);
        assertThat(read.get(0)).isEqualTo(rows.get(0));
        assertThat(read.get(1).prompt()).isEqualTo("a dog");
        assertThat(read.get(1).seed()).isNull();
        assertThat(read.get(1).extra()).isEmpty();
    }

    @Test
    void theShippedSampleParquetIsTheImportOfTheSampleJsonl() throws IOException {
        List<CatalogueRow> fromJsonl;
        try (Reader in = Files.newBufferedReader(catalogues().resolve("sample.jsonl"), StandardCharsets.UTF_8)) {
            fromJsonl = CatalogueImport.read(CatalogueImport.Format.JSONL, in).rows();
        }
        List<CatalogueRow> shipped =
                CatalogueParquet.read(catalogues().resolve("sample.parquet").toString(), new Configuration());
        assertThat(shipped).isEqualTo(fromJsonl);
    }
}
