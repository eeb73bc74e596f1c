package dev.flotilla.vm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The built command, vm-cli/target/vm.jar, run as a process as CI runs it: no terminal, no input. */
final class VmCommand {
  /** How a run ended: its exit status, and what it wrote (stderr in {@code err}, unless asked together). */
  record Result(int exit, String out, String err) {}

  private VmCommand() {}

  /** Runs {@code vm --dir dir args} with {@code env} added (and no FLOTILLA_STORE of the test's own). */
  static Result run(Path dir, Map<String, String> env, List<String> args) throws IOException, InterruptedException {
    return run(dir, env, args, false);
  }

  /** What {@code vm --dir dir args} printed (stderr where it falls), once it has ended well. */
  static String ok(Path dir, String... args) throws IOException, InterruptedException {
    Result r = together(dir, List.of(args));
    assertThat(r.exit()).as("vm %s\n%s", String.join(" ", args), r.out()).isZero();
    return r.out();
  }

  /** As {@link #run(Path, Map, List)}, with stderr written into {@code out} where it falls, as a person reads it. */
  static Result together(Path dir, List<String> args) throws IOException, InterruptedException {
    return run(dir, Map.of(), args, true);
  }

  private static Result run(Path dir, Map<String, String> env, List<String> args, boolean together)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", System.getProperty("vm.jar"), "--dir", dir.toString()));
    cmd.addAll(args);
    Path out = Files.createTempFile("vm-out", ".txt");
    Path err = Files.createTempFile("vm-err", ".txt");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()) // relative paths are the directory's
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(out.toFile()).redirectErrorStream(together);
      if (!together) {
        pb.redirectError(err.toFile());
      }
      pb.environment().remove(Workspace.STORE_VARIABLE);
      pb.environment().putAll(env);
      Process p = pb.start();
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("vm %s ends", String.join(" ", args)).isTrue();
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
