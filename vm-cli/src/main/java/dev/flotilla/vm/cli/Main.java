package dev.flotilla.vm.cli;

import dev.flotilla.vm.VmException;
import java.io.PrintWriter;
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
    // Logging is set before any logger exists: warnings by default, more with -v, -vv, -vvv.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
        new String[] {"warn", "info", "debug", "trace"}[Math.min(verbosity, 3)]);
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
      if (verbosity >= 3) {
        // a trace quotes what servers said too: escaped like every other line
        java.io.StringWriter trace = new java.io.StringWriter();
        dev.flotilla.vm.internal.Redact.throwable(e).printStackTrace(new PrintWriter(trace));
        err.print(Output.printable(trace.toString()));
      }
      err.flush();
      return 1;
    });
    cli.setParameterExceptionHandler((e, ignored) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("error: " + oneLine(e.getMessage()));
      if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
        err.println("Did you mean: " + String.join(" or ", u.getSuggestions().stream()
            .map(s -> s.startsWith("-") ? s : "vm " + subcommandPath(e.getCommandLine()) + s).toList()) + "?");
      }
      err.println("Run 'vm " + subcommandPath(e.getCommandLine()) + "--help' for how to use it.");
      err.flush();
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

  private static String subcommandPath(CommandLine cl) {
    String path = cl.getCommandSpec().qualifiedName(" ");
    return path.equals("vm") ? "" : path.substring("vm ".length()) + " ";
  }

  /** An error as one line a terminal shows as it is: secrets masked, control characters and line breaks escaped. */
  static String oneLine(String message) {
    String forPeople = message.replaceAll("\\s*\\[in code: [^\\]]*\\]", ""); // the library's hints for programmers
    return Output.printable(dev.flotilla.vm.internal.Redact.secrets(forPeople).replace("\r\n", " ").replace('\n', ' '));
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
