package dev.offload.app;

import dev.offload.jobs.InputSchema;
import dev.offload.jobs.JobContext;
import dev.offload.jobs.JobHandler;
import dev.offload.jobs.PermanentFailure;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The README's "Adding a Java job type" example compiles as printed, and works as a job type. */
class ReadmeExampleTest {

  @Test
  void theChecksumHandlerCompilesAndRuns(@TempDir Path dir) throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    String section = readme.substring(readme.indexOf("## Adding a Java job type"));
    Matcher block = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(section);
    assertThat(block.find()).as("a java block in the section").isTrue();
    Path source = dir.resolve("dev/offload/handlers/ChecksumHandler.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, block.group(1));

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int status = javac.run(null, null, errors, "-d", dir.toString(), "-cp", System.getProperty("java.class.path"),
      source.toString());
    assertThat(status).as("javac: %s", errors).isZero();

    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
      JobHandler handler = (JobHandler) loader.loadClass("dev.offload.handlers.ChecksumHandler")
        .getDeclaredConstructor().newInstance();
      assertThat(handler.type()).isEqualTo("checksum");
      assertThat(handler.blocking()).isTrue();
      assertThat(handler.timeoutSeconds(new JsonObject().put("size", 5))).isEqualTo(300);
      InputSchema schema = InputSchema.compile(handler.inputSchema());
      assertThat(schema.problemWith(new JsonObject().put("size", 3_000_000))).isNull();
      assertThat(schema.problemWith(new JsonObject().put("size", 0))).isEqualTo("/size: must have a minimum value of 1");

      List<Double> progress = new ArrayList<>();
      JobContext context = new JobContext() {
        @Override public UUID id() { return UUID.randomUUID(); }
        @Override public String owner() { return "alice"; }
        @Override public int attempt() { return 1; }
        @Override public JsonObject input() { return new JsonObject().put("size", 3_000_000); }
        @Override public Vertx vertx() { return null; }
        @Override public void progress(double fraction) { progress.add(fraction); }
        @Override public boolean cancelled() { return false; }
        @Override public void onCancel(Runnable action) { }
      };
      long expected = 0;
      for (long i = 0; i < 3_000_000; i++) {
        expected = expected * 31 + (i & 0xff);
      }
      assertThat(handler.run(context).result()).isEqualTo(new JsonObject().put("checksum", expected));
      assertThat(progress).containsExactly(0.0, 1 / 3.0, 2 / 3.0);
      JobContext partial = new JobContext() {
        @Override public UUID id() { return UUID.randomUUID(); }
        @Override public String owner() { return "alice"; }
        @Override public int attempt() { return 1; }
        @Override public JsonObject input() { return new JsonObject().put("size", 5); }
        @Override public Vertx vertx() { return null; }
        @Override public void progress(double fraction) { }
        @Override public boolean cancelled() { return false; }
        @Override public void onCancel(Runnable action) { }
      };
      assertThatThrownBy(() -> handler.run(partial)).isInstanceOfSatisfying(PermanentFailure.class,
        failure -> assertThat(failure.code()).isEqualTo("partial_word"));
    }
  }
}
