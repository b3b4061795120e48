package org.ocspcluster.benchmarks.endtoend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The harness's results: every run ({@code runs.csv}), the ratios with their spread and targets
 * ({@code summary.csv}, {@code summary.md}, printed as a table) and a plot of the ratios ({@code
 * ratios.svg}).
 */
final class Report {

  /** An absolute figure with a goal (e.g. heap bytes per CRL entry). */
  record Check(String label, double value, String unit, Comparison.Target target) {
    boolean met() {
      return target.metBy(value);
    }
  }

  private final List<Run> runs;
  private final List<Comparison.Outcome> outcomes;
  private final List<Check> checks;

  Report(List<Run> runs, List<Comparison> comparisons, List<Check> checks) {
    this.runs = List.copyOf(runs);
    List<Comparison.Outcome> computed = new ArrayList<>();
    for (Comparison c : comparisons) {
      c.outcome(runs).ifPresent(computed::add);
    }
    this.outcomes = List.copyOf(computed);
    this.checks = List.copyOf(checks);
  }

  List<Comparison.Outcome> outcomes() {
    return outcomes;
  }

  void writeTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("runs.csv"), runsCsv(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("summary.csv"), summaryCsv(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("summary.md"), table(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("ratios.svg"), svg(), StandardCharsets.UTF_8);
  }

  String runsCsv() {
    StringBuilder out =
        new StringBuilder(
            "section,target,round,requests_per_second,p50_ms,p99_ms,requests,errors,front_cpu_us_per_request,"
                + "member_cpu_us_per_request,front_rss_mib\n");
    for (Run r : runs) {
      out.append(
              String.join(
                  ",",
                  csv(r.section()),
                  csv(r.target()),
                  Integer.toString(r.round()),
                  num(r.load().requestsPerSecond()),
                  num(r.load().p50Millis()),
                  num(r.load().p99Millis()),
                  Long.toString(r.load().requests()),
                  Long.toString(r.load().errors()),
                  num(r.frontCpuMicrosPerRequest()),
                  num(r.memberCpuMicrosPerRequest()),
                  num(r.frontRssMiB())))
          .append('\n');
    }
    return out.toString();
  }

  String summaryCsv() {
    StringBuilder out =
        new StringBuilder("comparison,metric,ratio_median,ratio_min,ratio_max,rounds,target,met\n");
    for (Comparison.Outcome o : outcomes) {
      out.append(
              String.join(
                  ",",
                  csv(o.comparison().label()),
                  o.comparison().metric().label,
                  num(o.median()),
                  num(o.min()),
                  num(o.max()),
                  Integer.toString(o.ratios().length),
                  csv(o.comparison().target().toString()),
                  o.comparison().target().defined() ? Boolean.toString(o.met()) : ""))
          .append('\n');
    }
    for (Check c : checks) {
      out.append(
              String.join(
                  ",",
                  csv(c.label()),
                  csv(c.unit()),
                  num(c.value()),
                  "",
                  "",
                  "1",
                  csv(c.target().toString().replace("x", " " + c.unit())),
                  c.target().defined() ? Boolean.toString(c.met()) : ""))
          .append('\n');
    }
    return out.toString();
  }

  /** The summary as a Markdown table, also what the harness prints at the end. */
  String table() {
    StringBuilder out =
        new StringBuilder(
            """
        | comparison | metric | ratio (median) | spread (min-max) | target | met |
        | --- | --- | --- | --- | --- | --- |
        """);
    for (Comparison.Outcome o : outcomes) {
      Comparison c = o.comparison();
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.2fx | %.2f-%.2f (%d rounds) | %s | %s |%n",
              c.label(),
              c.metric().label,
              o.median(),
              o.min(),
              o.max(),
              o.ratios().length,
              c.target(),
              c.target().defined() ? (o.met() ? "yes" : "**no**") : "-"));
    }
    for (Check c : checks) {
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.1f %s | one run | %s | %s |%n",
              c.label(),
              c.unit(),
              c.value(),
              c.unit(),
              c.target().toString().replace("x", " " + c.unit()),
              c.target().defined() ? (c.met() ? "yes" : "**no**") : "-"));
    }
    return out.toString();
  }

  /** Horizontal bars: the median ratio, a whisker from min to max, the target as a dashed mark. */
  String svg() {
    int rowHeight = 34;
    int labelWidth = 430;
    int plotWidth = 420;
    int top = 40;
    int height = top + rowHeight * outcomes.size() + 40;
    double scale = 0.1;
    for (Comparison.Outcome o : outcomes) {
      scale = Math.max(scale, o.max());
      if (o.comparison().target().defined()) {
        scale = Math.max(scale, o.comparison().target().value());
      }
    }
    scale *= 1.15;
    StringBuilder svg = new StringBuilder();
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            labelWidth + plotWidth + 60,
            height));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.append(
        "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">ocsp-cluster: ratios measured in one run"
            + " (bar: median; whisker: min-max over rounds; dashed: target)</text>\n");
    double x0 = labelWidth;
    for (int i = 0; i < outcomes.size(); i++) {
      Comparison.Outcome o = outcomes.get(i);
      Comparison c = o.comparison();
      double y = top + i * rowHeight;
      String colour = !c.target().defined() ? "#8a8a8a" : o.met() ? "#2e8b57" : "#c0392b";
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%.1f\">%s (%s)</text>%n",
              10,
              y + 20,
              xml(c.label()),
              c.metric().label));
      svg.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>%n",
              x0,
              y + 7,
              o.median() / scale * plotWidth,
              colour));
      double wy = y + 16;
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\" stroke-width=\"1.5\"/>%n",
              x0 + o.min() / scale * plotWidth,
              wy,
              x0 + o.max() / scale * plotWidth,
              wy));
      if (c.target().defined()) {
        double tx = x0 + c.target().value() / scale * plotWidth;
        svg.append(
            String.format(
                Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\" stroke-dasharray=\"4,3\"/>%n",
                tx,
                y + 3,
                tx,
                y + 29));
      }
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%.1f\">%.2fx</text>%n",
              x0 + Math.max(o.max(), o.median()) / scale * plotWidth + 6,
              y + 20,
              o.median()));
    }
    double axisY = top + outcomes.size() * rowHeight + 8;
    svg.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>%n",
            x0,
            axisY,
            x0 + plotWidth,
            axisY));
    for (double tick = 0; tick <= scale; tick += tickStep(scale)) {
      double tx = x0 + tick / scale * plotWidth;
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.1fx</text>%n",
              tx,
              axisY + 16,
              tick));
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static double tickStep(double scale) {
    return scale <= 2 ? 0.25 : scale <= 5 ? 0.5 : Math.ceil(scale / 8);
  }

  private static String num(double value) {
    return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.3f", value);
  }

  private static String csv(String text) {
    return text.contains(",") || text.contains("\"")
        ? "\"" + text.replace("\"", "\"\"") + "\""
        : text;
  }

  private static String xml(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
