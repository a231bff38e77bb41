package io.batchdiffusion.jobs.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;

/**
 * The report's HTML: one page with inline CSS, no scripts and no external resources; every image is
 * a file beside it under a relative link, so it opens from local disk and from static hosting alike.
 */
final class ReportPage {

    /** What the page shows; {@code chart} is null when the run has fewer than two guidance scales. */
    record Content(
            String runId,
            List<ReportFacts.Fact> facts,
            Map<String, Long> countsByStatus,
            Map<String, SortedMap<Double, ScoreStats>> curves,
            String chart,
            List<PromptSheet> highest,
            List<PromptSheet> lowest,
            List<PromptSheet> sheets,
            Map<String, int[]> sheetSizes,
            List<ReportRow> failures) {}

    static final int MAX_FAILURES_LISTED = 100;

    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#222;background:#fafafa}
            main{max-width:1240px;margin:0 auto;padding:24px}
            h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.25rem;margin:32px 0 12px;border-bottom:1px solid #ddd;padding-bottom:4px}
            h3{font-size:1.05rem;margin:20px 0 8px}
            dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
            dl.facts dt{color:#666}dl.facts dd{margin:0;overflow-wrap:anywhere}
            code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.9em}
            .status{display:inline-block;padding:1px 8px;border-radius:10px;background:#e8e8e8;margin-right:6px}
            .status.OK{background:#d8f0dc}.status.bad{background:#f6d5d5}
            figure{margin:0}img{max-width:100%;height:auto}
            .chart img{border:1px solid #ddd;background:#fff}
            table{border-collapse:collapse;margin-top:12px;font-size:.9rem}
            th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f0f0f0}td.text{text-align:left}
            .sheets{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
            .sheet{background:#fff;border:1px solid #ddd;padding:8px;max-width:100%}
            .sheet figcaption{max-width:560px;font-size:.9rem;margin-top:6px}
            .sheet .meta{display:block;color:#666;font-size:.8rem;margin-top:2px}
            .muted{color:#666}
            """;

    private ReportPage() {}

    static String html(Content c) {
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Run report · ")
                .append(esc(c.runId()))
                .append("</title>\n<style>\n")
                .append(STYLE)
                .append("</style>\n</head>\n<body>\n<main>\n<h1>Run report · ")
                .append(esc(c.runId()))
                .append("</h1>\n<p class=\"muted\">")
                .append(c.sheets().size())
                .append(" contact sheets · <a href=\"../manifest.json\">manifest.json</a></p>\n");
        facts(h, c);
        scores(h, c);
        if (!c.highest().isEmpty()) {
            sheetSection(h, "highest", "Highest mean CLIP score", c.highest(), c);
        }
        if (!c.lowest().isEmpty()) {
            sheetSection(h, "lowest", "Lowest mean CLIP score", c.lowest(), c);
        }
        everyPrompt(h, c);
        failures(h, c.failures());
        return h.append("</main>\n</body>\n</html>\n").toString();
    }

    private static void facts(StringBuilder h, Content c) {
        h.append("<section id=\"facts\">\n<h2>Run</h2>\n<dl class=\"facts\">\n");
        for (ReportFacts.Fact fact : c.facts()) {
            h.append("<dt>").append(esc(fact.label())).append("</dt><dd>");
            h.append(fact.code() ? "<code>" + esc(fact.value()) + "</code>" : esc(fact.value()));
            h.append("</dd>\n");
        }
        h.append("<dt>By status</dt><dd>");
        c.countsByStatus().forEach((status, count) -> h.append("<span class=\"status ")
                .append(status.equals("OK") ? "OK" : "bad")
                .append("\">")
                .append(esc(status))
                .append(" ")
                .append(count)
                .append("</span>"));
        h.append("</dd>\n</dl>\n</section>\n");
    }

    private static void scores(StringBuilder h, Content c) {
        h.append("<section id=\"scores\">\n<h2>CLIP score versus guidance scale</h2>\n");
        if (c.curves().isEmpty()) {
            h.append("<p class=\"muted\">No render has a CLIP score.</p>\n</section>\n");
            return;
        }
        if (c.chart() != null) {
            h.append("<figure class=\"chart\"><img id=\"score-chart\" src=\"")
                    .append(esc(c.chart()))
                    .append("\" width=\"")
                    .append(ScoreChart.WIDTH)
                    .append("\" height=\"")
                    .append(ScoreChart.HEIGHT)
                    .append("\" alt=\"CLIP score versus guidance scale, mean and 95% confidence interval per curve\">")
                    .append("</figure>\n");
        } else {
            h.append("<p class=\"muted\">One guidance scale only: the scores are in the table.</p>\n");
        }
        h.append("<table>\n<tr><th class=\"text\">curve</th><th>guidance</th><th>renders</th>")
                .append("<th>mean</th><th>95% CI</th></tr>\n");
        c.curves()
                .forEach((name, points) -> points.forEach((guidance, s) -> h.append("<tr><td class=\"text\">")
                        .append(esc(name))
                        .append("</td><td>")
                        .append(ContactSheet.number(guidance))
                        .append("</td><td>")
                        .append(s.n())
                        .append("</td><td>")
                        .append(fmt(s.mean()))
                        .append("</td><td>")
                        .append(s.n() > 1 ? fmt(s.low()) + " – " + fmt(s.high()) : "–")
                        .append("</td></tr>\n")));
        h.append("</table>\n</section>\n");
    }

    private static void sheetSection(StringBuilder h, String id, String title, List<PromptSheet> sheets, Content c) {
        h.append("<section id=\"")
                .append(id)
                .append("\">\n<h2>")
                .append(esc(title))
                .append("</h2>\n");
        h.append("<div class=\"sheets\">\n");
        sheets.forEach(sheet -> figure(h, sheet, c));
        h.append("</div>\n</section>\n");
    }

    private static void everyPrompt(StringBuilder h, Content c) {
        h.append("<section id=\"prompts\">\n<h2>Every prompt</h2>\n");
        Map<String, List<PromptSheet>> byCategory = new LinkedHashMap<>();
        c.sheets().forEach(sheet -> byCategory
                .computeIfAbsent(sheet.category(), k -> new ArrayList<>()) // null: no category column
                .add(sheet));
        boolean headings = c.sheets().stream().anyMatch(sheet -> sheet.category() != null);
        byCategory.forEach((category, sheets) -> {
            if (headings) {
                h.append("<h3>")
                        .append(esc(category == null ? "no category" : category))
                        .append("</h3>\n");
            }
            h.append("<div class=\"sheets\">\n");
            sheets.forEach(sheet -> figure(h, sheet, c));
            h.append("</div>\n");
        });
        h.append("</section>\n");
    }

    private static void figure(StringBuilder h, PromptSheet sheet, Content c) {
        String file = sheet.fileName();
        int[] size = c.sheetSizes().get(file);
        h.append("<figure class=\"sheet\"><a href=\"")
                .append(esc(file))
                .append("\"><img src=\"")
                .append(esc(file));
        h.append("\" width=\"").append(size[0]).append("\" height=\"").append(size[1]);
        h.append("\" alt=\"contact sheet: ").append(esc(sheet.prompt())).append("\"></a>\n<figcaption>");
        h.append(esc(String.valueOf(sheet.prompt())))
                .append("<span class=\"meta\">")
                .append(esc(sheet.rowId()));
        if (sheet.category() != null) {
            h.append(" · ").append(esc(sheet.category()));
        }
        if (sheet.scheduler() != null) {
            h.append(" · ").append(esc(sheet.scheduler()));
        }
        h.append(" · ").append(sheet.steps()).append(" steps");
        sheet.meanScore().ifPresent(mean -> h.append(" · mean CLIP ").append(fmt(mean)));
        if (sheet.failures() > 0) {
            h.append(" · ").append(sheet.failures()).append(" not OK");
        }
        h.append("</span></figcaption></figure>\n");
    }

    private static void failures(StringBuilder h, List<ReportRow> failures) {
        if (failures.isEmpty()) {
            return;
        }
        h.append("<section id=\"failures\">\n<h2>Renders that did not succeed</h2>\n<table>\n")
                .append("<tr><th class=\"text\">row</th><th>seed</th><th>guidance</th>")
                .append("<th class=\"text\">status</th><th class=\"text\">error</th></tr>\n");
        failures.stream().limit(MAX_FAILURES_LISTED).forEach(r -> h.append("<tr><td class=\"text\">")
                .append(esc(r.rowId()))
                .append("</td><td>")
                .append(r.seed())
                .append("</td><td>")
                .append(ContactSheet.number(r.guidance()))
                .append("</td><td class=\"text\">")
                .append(esc(r.status()))
                .append("</td><td class=\"text\">")
                .append(esc(abbreviate(r.error(), 300)))
                .append("</td></tr>\n"));
        h.append("</table>\n");
        if (failures.size() > MAX_FAILURES_LISTED) {
            h.append("<p class=\"muted\">")
                    .append(failures.size() - MAX_FAILURES_LISTED)
                    .append(" more in the results table.</p>\n");
        }
        h.append("</section>\n");
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private static String abbreviate(String text, int max) {
        if (text == null) {
            return "";
        }
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    static String esc(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (ch) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(ch);
            }
        }
        return out.toString();
    }
}
