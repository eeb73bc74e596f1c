package dev.flotilla.vm.cli;

import dev.flotilla.vm.VmException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * The {@code vm} command. Exit status: 0 on success, 1 on failure, 2 on bad usage. Errors are one or two
 * lines a person can act on; stack traces only with {@code -vvv}.
 */
public final class Main {
  private Main() {}

  /** Runs the command and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command; returns its exit status. */
  static int run(String... args) {
    java.io.PrintStream stderr = System.err;
    // every line on standard error (logs at any verbosity, traces, errors) is escaped on its way out
    System.setErr(Output.printableStream(stderr));
    try {
      return run(verbosity(args), args);
    } finally {
      System.err.flush();
      System.setErr(stderr);
    }
  }

  private static int run(int verbosity, String... args) {
    // Logging is set before any logger exists: warnings by default; -v Flotilla's own steps (each call to a
    // cloud), -vv jclouds' too, -vvv everything and stack traces.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
        new String[] {"warn", "warn", "debug", "trace"}[Math.min(verbosity, 3)]);
    if (verbosity == 1) {
      System.setProperty("org.slf4j.simpleLogger.log.dev.flotilla", "debug");
    }
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
    // the command prints CloudConfig's warnings itself, once, as "warning: ..."
    System.setProperty("org.slf4j.simpleLogger.log.dev.flotilla.vm.store.CloudConfig", "error");
    Cli command = new Cli();
    CommandLine cli = new CommandLine(command);
    cli.setExecutionExceptionHandler((thrown, cmd, parsed) -> {
      PrintWriter err = cmd.getErr();
      Exception e = inCloudJson(thrown, (Cli) cmd.getCommandSpec().root().userObject());
      err.println("error: " + oneLine(describe(e)) + (verbosity < 3 && !(e instanceof VmException)
          ? " (run again with -vvv to see where it failed)" : ""));
      jsonError(args, oneLine(describe(e)), 1);
      if (verbosity >= 3) {
        // a trace quotes what servers said too: escaped like every other line
        java.io.StringWriter trace = new java.io.StringWriter();
        dev.flotilla.vm.support.Redact.throwable(e).printStackTrace(new PrintWriter(trace));
        err.print(Output.printable(trace.toString()));
      }
      err.flush();
      return 1;
    });
    cli.setParameterExceptionHandler((e, ignored) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("error: " + oneLine(e.getMessage()));
      if (e instanceof CommandLine.UnmatchedArgumentException u) {
        List<String> near = suggestions(u);
        if (!near.isEmpty()) {
          err.println("Did you mean: " + String.join(" or ", near.stream()
              .map(s -> s.startsWith("-") ? s : "vm " + subcommandPath(e.getCommandLine()) + s).toList()) + "?");
        }
      }
      err.println("Run 'vm " + subcommandPath(e.getCommandLine()) + "--help' for how to use it.");
      err.flush();
      jsonError(args, oneLine(e.getMessage()), 2);
      return 2;
    });
    // Ctrl-C while waiting stops the wait; the records were written before it began.
    Thread onInterrupt = new Thread(() -> {
      if (Output.waiting) {
        System.err.println();
        System.err.println("Stopped waiting. Every record written so far is kept; 'vm status' shows where things are.");
      }
    });
    Runtime.getRuntime().addShutdownHook(onInterrupt);
    try {
      return cli.execute(args);
    } finally {
      Output.waiting = false;
      command.close();
      try {
        Runtime.getRuntime().removeShutdownHook(onInterrupt);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or about to: nothing to undo
      }
    }
  }

  /** With --json, an error is an answer too: {@code {"error": {"message": ..., "exit_status": 1}}} on stdout. */
  private static void jsonError(String[] args, String message, int exit) {
    if (java.util.Arrays.asList(args).contains("--json")) {
      System.out.println(Output.toJson(java.util.Map.of("error", Output.fields("message", message,
          "exit_status", exit))));
      System.out.flush();
    }
  }

  /** A profile's bad setting, found when its provider opens, said of the cloud.json it came from. */
  private static Exception inCloudJson(Exception e, Cli cli) {
    if (e instanceof dev.flotilla.vm.ConfigurationException c && c.file().isEmpty()
        && c.field().filter(f -> f.startsWith("profiles.")).isPresent() && cli.dir != null) {
      java.nio.file.Path cloudJson = cli.dir.resolve("cloud.json").toAbsolutePath().normalize();
      if (java.nio.file.Files.exists(cloudJson)) {
        return c.inFile(cloudJson);
      }
    }
    return e;
  }

  /**
   * The commands or options nearest to the first word not understood: those within two edits (a letter
   * added, dropped, changed, or two swapped: strat, --wiat), nearest first, else picocli's own guesses.
   */
  static List<String> suggestions(CommandLine.UnmatchedArgumentException u) {
    List<String> unmatched = u.getUnmatched();
    if (unmatched.isEmpty()) {
      return List.of();
    }
    String word = unmatched.get(0).replaceAll("=.*", "");
    CommandLine.Model.CommandSpec spec = u.getCommandLine().getCommandSpec();
    java.util.Collection<String> names = word.startsWith("-")
        ? spec.options().stream().flatMap(o -> java.util.Arrays.stream(o.names())).filter(n -> n.startsWith("--"))
            .toList()
        : spec.subcommands().keySet();
    List<String> near = names.stream().filter(n -> distance(word, n) <= 2)
        .sorted(java.util.Comparator.comparingInt((String n) -> distance(word, n)).thenComparing(n -> n)).distinct()
        .limit(3).toList();
    return near.isEmpty() ? u.getSuggestions() : near;
  }

  /** Edits from {@code a} to {@code b}, a swap of neighbours counting as one (optimal string alignment). */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  private static String subcommandPath(CommandLine cl) {
    String path = cl.getCommandSpec().qualifiedName(" ");
    return path.equals("vm") ? "" : path.substring("vm ".length()) + " ";
  }

  /** An error as one line a terminal shows as it is: secrets masked, control characters and line breaks escaped. */
  static String oneLine(String message) {
    String forPeople = message.replaceAll("\\s*\\[in code: [^\\]]*\\]", ""); // the library's hints for programmers
    return Output.printable(dev.flotilla.vm.support.Redact.secrets(forPeople).replace("\r\n", " ").replace('\n', ' '));
  }

  private static String describe(Exception e) {
    if (e instanceof VmException || e.getMessage() == null) {
      return e.getMessage() == null ? e.toString() : e.getMessage();
    }
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static int verbosity(String[] args) {
    int v = 0;
    for (String a : args) {
      if (a.matches("-v+")) {
        v += a.length() - 1;
      } else if (a.equals("--verbose")) {
        v++;
      }
    }
    return v;
  }
}
