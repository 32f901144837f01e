package dev.offload.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/configuration.md cannot drift from the code: its table lists exactly the keys the
 * config reads, and every default it states as a plain value is the code's default.
 */
class ConfigurationDocTest {
  private static final Pattern ROW = Pattern.compile("^\\| ([^|]+)\\| ([^|]+)\\|", Pattern.MULTILINE);
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");
  /** A default column made of values only: `a`, `b` (an optional parenthesis after them), or "unset". */
  private static final Pattern PLAIN_DEFAULTS = Pattern.compile("(`[^`]+`(, `[^`]+`)*( \\([^)]*\\))?|unset)");

  /** The documented keys, each with the default the table states (absent: prose, not compared). */
  private static Map<String, String> documented() throws Exception {
    String doc = Files.readString(Path.of("docs/configuration.md"));
    Map<String, String> keys = new LinkedHashMap<>();
    Matcher row = ROW.matcher(doc);
    while (row.find()) {
      List<String> names = codes(row.group(1));
      if (names.isEmpty()) {
        continue; // the header
      }
      String stated = row.group(2).trim();
      List<String> defaults = stated.equals("unset") ? null : codes(stated);
      boolean plain = PLAIN_DEFAULTS.matcher(stated).matches()
        && (defaults == null || defaults.size() == names.size());
      for (int i = 0; i < names.size(); i++) {
        keys.put(names.get(i), !plain ? "(prose)" : defaults == null ? "(unset)" : defaults.get(i));
      }
    }
    return keys;
  }

  private static List<String> codes(String cell) {
    List<String> out = new ArrayList<>();
    Matcher code = CODE.matcher(cell);
    while (code.find()) {
      out.add(code.group(1));
    }
    return out;
  }

  /** The code's keys: those of an empty config, plus a job-type section (named "<type>" as in the doc). */
  private static Map<String, Object> fromCode() {
    Map<String, Object> keys = new LinkedHashMap<>(OffloadConfig.keysAndDefaults(
      new JsonObject().put("jobTypes", new JsonObject().put("<type>", new JsonObject()))));
    keys.remove("jobTypes");
    return keys;
  }

  private static String shown(Object value) {
    if (value instanceof List<?> list) {
      return list.stream().map(item -> "\"" + item + "\"").collect(Collectors.joining(", ", "[", "]"));
    }
    return String.valueOf(value);
  }

  @Test
  void theTableListsExactlyTheKeysTheConfigReads() throws Exception {
    assertThat(new TreeSet<>(documented().keySet())).isEqualTo(new TreeSet<>(fromCode().keySet()));
  }

  @Test
  void everyPlainDefaultInTheTableIsTheCodesDefault() throws Exception {
    Map<String, Object> code = fromCode();
    documented().forEach((key, stated) -> {
      if (stated.equals("(prose)")) {
        return;
      }
      Object actual = code.get(key);
      if (stated.equals("(unset)")) {
        assertThat(actual).as("default of %s", key).isNull();
      } else {
        assertThat(shown(actual)).as("default of %s", key).isEqualTo(stated);
      }
    });
  }

  @Test
  void theShippedFileShownIsTheShippedFile() throws Exception {
    String doc = Files.readString(Path.of("docs/configuration.md"));
    Matcher block = Pattern.compile("```json\n(.*?)```", Pattern.DOTALL).matcher(doc);
    assertThat(block.find()).as("a json block in docs/configuration.md").isTrue();
    assertThat(new io.vertx.core.json.JsonObject(block.group(1)))
      .isEqualTo(new io.vertx.core.json.JsonObject(Files.readString(Path.of("conf/config.json"))));
  }
}
