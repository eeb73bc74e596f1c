package dev.flotilla.vm.cli;

import com.google.gson.GsonBuilder;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.VmListener;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** How the command speaks: plain lines, tables, colours on a terminal, JSON for scripts, or nothing with -q. */
final class Output {
  /** Stands for ESC in the colours Output itself adds, so that every real ESC (a cloud's) can be escaped. */
  private static final char MARK = '\uE000';
  private static final String RESET = MARK + "[0m";

  private final PrintStream out;
  private final boolean quiet;
  private final boolean json;
  private final boolean terminal;

  Output(PrintStream out, boolean quiet, boolean json) {
    this.out = out;
    this.quiet = quiet;
    this.json = json;
    this.terminal = System.console() != null && System.getenv("NO_COLOR") == null;
  }

  boolean json() {
    return json;
  }

  boolean quiet() {
    return quiet;
  }

  /** A line for people; silent with -q or --json. */
  void say(String line) {
    if (!quiet && !json) {
      out.println(printable(line));
    }
  }

  /** A warning: shown even with -q (not with --json, whose answer carries it). */
  void warn(String line) {
    if (!json) {
      out.println(printable(line));
    }
  }

  /** A line that is the answer itself (printed even with -q; not with --json). */
  void answer(String line) {
    if (!json) {
      out.println(printable(line));
    }
  }

  /**
   * {@code text} safe for a terminal: control characters (ESC, BEL, CR, backspace...) that came from a cloud
   * or a file are shown as {@code \x1b} and the like, so they cannot move the cursor, ring or recolour;
   * line feeds and tabs stay; the colours Output adds itself are the only escapes that remain.
   */
  static String printable(String text) {
    return escaped(text, true);
  }

  private static boolean escapes(char c, boolean marks) {
    return c == MARK ? marks : c != '\n' && c != '\t' && (c < 0x20 || c == 0x7f || c >= 0x80 && c <= 0x9f);
  }

  private static String escaped(String text, boolean marks) {
    int first = 0;
    while (first < text.length() && !escapes(text.charAt(first), marks)) {
      first++;
    }
    if (first == text.length()) {
      return text; // nearly every line: nothing to escape
    }
    StringBuilder sb = new StringBuilder(text.length() + 16).append(text, 0, first);
    for (int i = first; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == MARK && marks) {
        sb.append('\u001b');
      } else if (escapes(c, false)) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /**
   * A stream that writes to {@code to} what it is given, each line escaped as {@link #printable} does (but
   * with no colours of Output's own): standard error, where every log line goes at every verbosity, and a
   * log line may quote what a server said.
   */
  static PrintStream printableStream(PrintStream to) {
    java.io.OutputStream lines = new java.io.OutputStream() {
      private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

      @Override
      public synchronized void write(int b) {
        line.write(b);
        if (b == '\n' || line.size() >= 8192) {
          flush();
        }
      }

      @Override
      public synchronized void flush() {
        if (line.size() > 0) {
          to.print(escaped(line.toString(java.nio.charset.StandardCharsets.UTF_8), false));
          line.reset();
        }
        to.flush();
      }
    };
    return new PrintStream(lines, true, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The JSON form of {@code value}, with --json. */
  void json(Map<String, ?> value) {
    if (json) {
      out.println(toJson(value));
    }
  }

  /**
   * One shape for every answer with --json, errors too: an object, its keys in snake_case (a record's
   * {@code memoryMb} is {@code memory_mb}). Made on first use: most commands print no JSON.
   */
  static String toJson(Map<String, ?> value) {
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls()
        .setFieldNamingPolicy(com.google.gson.FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).create().toJson(value);
  }

  /** A state, coloured on a terminal. */
  String state(State s, String word) {
    if (!terminal) {
      return word;
    }
    String colour = switch (s) {
      case RUNNING -> "[32m";
      case STOPPED, SUSPENDED -> "[35m";
      case TERMINATED, ERROR -> "[31m";
      default -> "[33m";
    };
    return MARK + colour + word.replace(MARK, ' ') + RESET;
  }

  /** Prints rows as a table with aligned columns; the first row is the header. */
  void table(List<List<String>> rows) {
    if (json || rows.isEmpty()) {
      return;
    }
    int columns = rows.get(0).size();
    int[] width = new int[columns];
    String[][] cells = new String[rows.size()][columns]; // each cell escaped once
    int[][] shown = new int[rows.size()][columns]; // and its width on screen
    for (int r = 0; r < rows.size(); r++) {
      for (int i = 0; i < columns; i++) {
        String cell = rows.get(r).get(i);
        cells[r][i] = printable(cell);
        shown[r][i] = printable(visible(cell)).length();
        width[i] = Math.max(width[i], shown[r][i]);
      }
    }
    StringBuilder all = new StringBuilder(rows.size() * (java.util.Arrays.stream(width).sum() + 2 * columns));
    for (int r = 0; r < rows.size(); r++) {
      for (int i = 0; i < columns; i++) {
        all.append(cells[r][i]);
        for (int pad = i < columns - 1 ? width[i] - shown[r][i] + 2 : 0; pad > 0; pad--) {
          all.append(' ');
        }
      }
      int end = all.length();
      while (end > 0 && (all.charAt(end - 1) == ' ' || all.charAt(end - 1) == '\t')) {
        end--;
      }
      all.setLength(end);
      all.append(System.lineSeparator());
    }
    out.print(all);
    out.flush();
  }

  private static final java.util.regex.Pattern COLOUR = java.util.regex.Pattern.compile(MARK + "\\[[0-9;]*m");

  /** The text without Output's own colours. */
  private static String visible(String s) {
    return s.indexOf(MARK) < 0 ? s : COLOUR.matcher(s).replaceAll("");
  }

  /** Whether a wait is under way, so that Ctrl-C can say what it interrupted. */
  static volatile boolean waiting;

  /** An ordered map for JSON answers: key, value, key, value... */
  static Map<String, Object> fields(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    return m;
  }

  /** Whether waits are kept quiet: those of calls that only record what the user said, on VMs already so. */
  private boolean quietProgress;

  /** Runs {@code call} without telling the progress of its waits. */
  void withoutProgress(Runnable call) {
    quietProgress = true;
    try {
      call.run();
    } finally {
      quietProgress = false;
    }
  }

  /** What a call does beside its waits, told whether it waits or not: reaps, and moves to another place. */
  VmListener events() {
    return new Events();
  }

  /** One line (or JSON object) per reap and per move to another place. */
  private class Events implements VmListener {
    @Override
    public void onReap(dev.flotilla.vm.Reaper.Reaped r) {
      say(r.describe());
      json(fields("reaped", r.vmId(), "node", r.node().orElse(null), "profile", r.profile(), "expired",
          r.lease().expiresAt().toString(), "action", r.lease().onExpiry().word(), "done", r.acted()));
    }

    @Override
    public void onMove(Move m) {
      say(m.describe());
      json(fields("moved", m.node(), "from", m.from().toString(), "to", m.to().toString(), "reason", m.reason()));
    }
  }

  /**
   * {@link #events()}, and the progress of a wait: {@code [2/4] running, waiting...}, one line each, or one
   * updating line on a terminal.
   */
  VmListener progress() {
    return new Events() {
      @Override
      public void onProgress(Progress p) {
        waiting = p.done() < p.total();
        if (quiet || json || quietProgress) {
          return;
        }
        String word = p.target().toLowerCase(Locale.ROOT);
        long seconds = p.elapsed().toSeconds();
        String line = "[" + p.done() + "/" + p.total() + "] " + word + (p.done() < p.total() ? ", waiting..."
            + (seconds > 0 ? " " + seconds + " s" : "") : ", done" + (seconds > 0 ? " in " + seconds + " s" : ""));
        if (terminal) {
          out.print("\r\u001b[2K" + line + (p.done() == p.total() ? System.lineSeparator() : ""));
          out.flush();
        } else {
          out.println(line);
        }
      }
    };
  }

  static List<String> row(String... cells) {
    List<String> r = new ArrayList<>();
    for (String c : cells) {
      r.add(c == null ? "-" : c);
    }
    return r;
  }

  /** A VM as --json shows it. */
  static Map<String, Object> vmJson(Instance vm) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", vm.id());
    m.put("node", vm.nodeName().orElse(null));
    m.put("state", vm.state().name());
    m.put("provider_state", vm.providerState());
    m.put("type", vm.type().orElse(null));
    m.put("ip", vm.publicAddress().orElse(null));
    m.put("private_ip", vm.privateAddress().orElse(null));
    m.put("zone", vm.zone().orElse(null));
    m.put("profile", vm.tags().get(Instance.PROFILE_TAG));
    return m;
  }
}
