package dev.flotilla.vm.cli;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.store.NodeStore;
import dev.flotilla.vm.store.NodeStores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code vm store}: where node records are kept, and moving them from one place to another. */
@Command(name = "store", description = "Move node records between a nodes/ folder and a shared database.")
final class StoreCommand {
  @ParentCommand
  Cli cli;

  @Command(name = "copy", description = "Copy every node record from FROM to TO: a directory (its nodes/ folder) or"
      + " postgresql://USER@HOST:PORT/DB. Records are copied exactly (inherit, bindings, create intents); records"
      + " already in TO that differ stop the copy unless --overwrite.")
  int copy(@Option(names = "--from", required = true, paramLabel = "FROM", description = "Where the records are now.")
      String from,
      @Option(names = "--to", required = true, paramLabel = "TO", description = "Where they should also be.") String to,
      @Option(names = "--overwrite", description = "Replace records in TO that differ from FROM's.") boolean overwrite) {
    Output o = new Output(System.out, cli.quiet, cli.json);
    java.nio.file.Path base = cli.dir.toAbsolutePath().normalize();
    try (NodeStore source = NodeStores.open(from, base, System.getenv());
        NodeStore target = NodeStores.open(to, base, System.getenv())) {
      if (source.location().equals(target.location())) {
        throw new ConfigurationException(null, "--to", "names the same records as --from; give another place");
      }
      List<Node> records = parentsFirst(source.list());
      List<String> names = records.stream().map(Node::name).toList();
      // no one creates a VM for these nodes at TO while their records arrive
      try (NodeStore.Lock lock = target.lock(names, Duration.ofSeconds(30))) {
        List<String> differ = new ArrayList<>();
        int same = 0;
        for (Node n : records) {
          Node there = target.get(n.name()).orElse(null);
          if (Objects.equals(there, n)) {
            same++;
          } else if (there != null) {
            differ.add(n.name());
          }
        }
        if (!differ.isEmpty() && !overwrite) {
          throw new ConfigurationException(null, "--to", differ.size() + " record(s) in " + target.location()
              + " differ from " + source.location() + "'s: " + String.join(", ", differ.subList(0, Math.min(10,
              differ.size()))) + (differ.size() > 10 ? ", ..." : "") + "; nothing was copied. Compare them, or copy"
              + " again with --overwrite");
        }
        for (Node n : records) {
          target.put(n);
        }
        o.say("copied " + (records.size() - same) + " record(s) from " + source.location() + " to " + target.location()
            + (same > 0 ? " (" + same + " already there and the same)" : ""));
        return 0;
      }
    }
  }

  /** Each record after the one it inherits from, so it can be written as the difference from its parent. */
  private static List<Node> parentsFirst(List<Node> nodes) {
    Map<String, Node> byName = new LinkedHashMap<>();
    nodes.forEach(n -> byName.put(n.name(), n));
    Map<String, Node> out = new LinkedHashMap<>();
    for (Node n : nodes) {
      add(n, byName, out);
    }
    return new ArrayList<>(out.values());
  }

  private static void add(Node n, Map<String, Node> byName, Map<String, Node> out) {
    if (out.containsKey(n.name())) {
      return;
    }
    n.parent().map(byName::get).ifPresent(p -> add(p, byName, out));
    out.put(n.name(), n);
  }
}
