package dev.flotilla.vm.cli;

import com.google.gson.GsonBuilder;
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
  private static final String RESET = "\u001b[0m";

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
      out.println(line);
    }
  }

  /** A line that is the answer itself (printed even with -q; not with --json). */
  void answer(String line) {
    if (!json) {
      out.println(line);
    }
  }

  /** The JSON form of {@code value}, with --json. */
  void json(Object value) {
    if (json) {
      out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(value));
    }
  }

  /** A state, coloured on a terminal. */
  String state(State s, String word) {
    if (!terminal) {
      return word;
    }
    String colour = switch (s) {
      case RUNNING -> "\u001b[32m";
      case STOPPED, SUSPENDED -> "\u001b[35m";
      case TERMINATED, ERROR -> "\u001b[31m";
      default -> "\u001b[33m";
    };
    return colour + word + RESET;
  }

  /** Prints rows as a table with aligned columns; the first row is the header. */
  void table(List<List<String>> rows) {
    if (json || rows.isEmpty()) {
      return;
    }
    int columns = rows.get(0).size();
    int[] width = new int[columns];
    for (List<String> row : rows) {
      for (int i = 0; i < columns; i++) {
        width[i] = Math.max(width[i], visible(row.get(i)).length());
      }
    }
    for (List<String> row : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        String cell = row.get(i);
        sb.append(cell);
        if (i < columns - 1) {
          sb.append(" ".repeat(width[i] - visible(cell).length() + 2));
        }
      }
      out.println(sb.toString().stripTrailing());
    }
  }

  private static String visible(String s) {
    return s.replaceAll("\u001b\\[[0-9;]*m", "");
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

  /** Progress of a wait: {@code [2/4] running, waiting...}, one line each, or one updating line on a terminal. */
  VmListener progress() {
    return new VmListener() {
      @Override
      public void onProgress(Progress p) {
        waiting = p.done() < p.total();
        if (quiet || json) {
          return;
        }
        String word = p.target().toLowerCase(Locale.ROOT);
        String line = "[" + p.done() + "/" + p.total() + "] " + word + (p.done() < p.total() ? ", waiting..." : ", done");
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
}
