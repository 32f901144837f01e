package dev.offload.support;

import java.util.HashMap;
import java.util.Map;

/** One scrape of a Prometheus text page: series (name and labels, as printed) to value. */
public record Scrape(String text, Map<String, Double> series) {

  public static Scrape parse(String text) {
    Map<String, Double> series = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return new Scrape(text, series);
  }

  /** The value of {@code name} with exactly these labels (in Prometheus's order: alphabetical), or 0 if absent. */
  public double value(String name, String... labels) {
    StringBuilder key = new StringBuilder(name);
    if (labels.length > 0) {
      key.append('{');
      for (int i = 0; i < labels.length; i += 2) {
        key.append(i == 0 ? "" : ",").append(labels[i]).append("=\"").append(labels[i + 1]).append('"');
      }
      key.append('}');
    }
    return series.getOrDefault(key.toString(), 0.0);
  }

  /** The largest value of {@code name} over all its labels (0 if absent). */
  public double max(String name) {
    return series.entrySet().stream()
      .filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
      .mapToDouble(Map.Entry::getValue).max().orElse(0);
  }

  public boolean has(String prefix) {
    return series.keySet().stream().anyMatch(key -> key.startsWith(prefix));
  }
}
