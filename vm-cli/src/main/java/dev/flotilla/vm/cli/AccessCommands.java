package dev.flotilla.vm.cli;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.KeyPair;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.VmClient;
import dev.flotilla.vm.support.SshKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Reaching a VM: {@code vm key-register, key-list, ssh, console}. */
final class AccessCommands {
  private AccessCommands() {}

  @Command(name = "key-register", description = "Register an SSH public key for new VMs (default ~/.ssh/id_ed25519.pub"
      + " or ~/.ssh/id_rsa.pub).")
  static final class KeyRegister extends Subcommand {
    @Parameters(arity = "0..1", paramLabel = "FILE")
    Path file;

    @Option(names = "--name", description = "The name to register it under (default flotilla_USER).")
    String name;

    @Override
    public Integer call() {
      Output o = out();
      Path key = file != null ? file : defaultKey().orElseThrow(() -> new ConfigurationException(null, "FILE",
          "no ~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub; give the public key file, or make one with ssh-keygen"));
      String text = read(key);
      if (SshKeys.md5(text).isEmpty()) {
        throw new ConfigurationException(key, null, "is not an OpenSSH public key (a line such as 'ssh-ed25519 AAAA..."
            + " you@host'); give the .pub file, not the private key");
      }
      try (VmClient client = workspace(o).client(false)) {
        KeyPair k = client.keys().register(name != null ? name : "flotilla_" + System.getProperty("user.name"), text.trim());
        o.say("registered key " + k.name() + " (" + k.fingerprint() + ") from " + key);
        o.json(Output.fields("key", k));
        remember(cli.dir, key);
      }
      return 0;
    }
  }

  /** Where registered keys came from, so key-list finds them wherever they lie: one path a line. */
  private static Path registeredKeys(Path dir) {
    return dir.toAbsolutePath().normalize().resolve(".flotilla/registered-keys");
  }

  private static void remember(Path dir, Path key) {
    try {
      Path list = registeredKeys(dir);
      Files.createDirectories(list.getParent());
      String path = key.toAbsolutePath().normalize().toString();
      if (!Files.exists(list) || dev.flotilla.vm.support.Json.readFile(list, 1 << 20).lines().noneMatch(path::equals)) {
        Files.writeString(list, path + System.lineSeparator(), java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND);
      }
    } catch (IOException e) {
      // key-list then matches it only if it lies where ssh looks
    }
  }

  @Command(name = "key-list", description = "List the registered SSH keys, their fingerprints, and which local key matches.")
  static final class KeyList extends Subcommand {
    @Override
    public Integer call() {
      Output o = out();
      Map<String, Path> local = localKeys(cli.dir);
      try (VmClient client = workspace(o).client(false)) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (KeyPair k : client.keys().list()) {
          Path match = local.get(k.fingerprint());
          o.answer(k.name());
          o.say("  fingerprint: " + k.fingerprint());
          o.say(match == null ? "  matches no local key" : "  matches local key: " + match);
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("name", k.name());
          m.put("fingerprint", k.fingerprint());
          m.put("local_key", match == null ? null : match.toString());
          rows.add(m);
        }
        o.json(Output.fields("keys", rows));
      }
      return 0;
    }
  }

  private static Optional<Path> defaultKey() {
    Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
    return Stream.of("id_ed25519.pub", "id_rsa.pub", "id_ecdsa.pub").map(ssh::resolve).filter(Files::exists).findFirst();
  }

  /**
   * Local public keys by every fingerprint a cloud may show (SSH's MD5, EC2's MD5 of RSA keys, SHA-256): the
   * files key-register registered, where ssh looks (~/.ssh/*.pub and the IdentityFile lines of
   * ~/.ssh/config, with .pub), and DIR/keys/*.pub.
   */
  private static Map<String, Path> localKeys(Path dir) {
    Path home = Path.of(System.getProperty("user.home"));
    java.util.Set<Path> candidates = new java.util.LinkedHashSet<>();
    try {
      if (Files.exists(registeredKeys(dir))) {
        dev.flotilla.vm.support.Json.readFile(registeredKeys(dir), 1 << 20).lines().filter(l -> !l.isBlank())
            .map(Path::of).forEach(candidates::add);
      }
    } catch (IOException e) {
      // the list is a convenience: the folders below are still searched
    }
    try {
      Path config = home.resolve(".ssh/config");
      if (Files.isRegularFile(config)) {
        for (String line : dev.flotilla.vm.support.Json.readFile(config, 256 * 1024).lines().toList()) {
          String[] words = line.strip().split("\\s+", 2);
          if (words.length == 2 && words[0].equalsIgnoreCase("IdentityFile")) {
            String f = words[1].replace("\"", "").replaceFirst("^~", home.toString());
            candidates.add(Path.of(f.endsWith(".pub") ? f : f + ".pub"));
          }
        }
      }
    } catch (IOException | ConfigurationException e) {
      // an unreadable ssh config names no keys
    }
    for (Path folder : List.of(home.resolve(".ssh"), dir.toAbsolutePath().normalize().resolve("keys"))) {
      if (Files.isDirectory(folder)) {
        try (Stream<Path> files = Files.list(folder)) {
          files.filter(p -> p.toString().endsWith(".pub")).sorted().forEach(candidates::add);
        } catch (IOException e) {
          // an unreadable folder holds no keys we can match
        }
      }
    }
    Map<String, Path> out = new LinkedHashMap<>();
    for (Path p : candidates) {
      try {
        String text = dev.flotilla.vm.support.Json.readFile(p, 64 * 1024);
        SshKeys.fingerprints(text).forEach(f -> out.putIfAbsent(f, p));
      } catch (IOException | ConfigurationException e) {
        // a missing, unreadable or oversized key file matches nothing
      }
    }
    return out;
  }

  private static String read(Path file) {
    try {
      return dev.flotilla.vm.support.Json.readFile(file, 64 * 1024);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ConfigurationException(file, null, "there is no such file; give the .pub file of your key");
    }
  }

  @Command(name = "ssh", description = "Run ssh to NODE's address, as stratus-connect-instance does: the node's login"
      + " user, and the private key of its key pair from ~/.ssh (NAME or NAME.pem) when there is one.")
  static final class Ssh extends Subcommand {
    @Mixin
    NodeArgument node;

    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "What to run there (after --); a shell"
        + " when none.")
    List<String> command;

    @Option(names = "--print", description = "Print the ssh command instead of running it.")
    boolean print;

    @Override
    public Integer call() throws java.io.IOException, InterruptedException {
      Output o = out();
      Workspace ws = workspace(o);
      Node record = node.record(ws);
      String address = record.publicAddress().or(record::privateAddress).orElseThrow(() -> new ConfigurationException(null,
          null, "node " + node.name + " has no address yet: start it (vm start " + node.name + "), or see 'vm status'"));
      // a bounded connect, and the destination after "--": nothing from a record or a cloud is read as an option
      List<String> cmd = new ArrayList<>(List.of("ssh", "-o", "ConnectTimeout=" + SSH_CONNECT_SECONDS));
      record.keyPair().flatMap(AccessCommands::privateKeyOf).ifPresent(k -> cmd.addAll(List.of("-i", k.toString())));
      loginUser(ws, record).ifPresent(u -> cmd.addAll(List.of("-l", u)));
      cmd.add("--");
      cmd.add(address);
      if (command != null) {
        cmd.addAll(command);
      }
      if (print) {
        o.answer(String.join(" ", cmd.stream().map(AccessCommands::shellQuoted).toList()));
        return 0;
      }
      if (ws.embedded()) {
        System.err.println("warning: node " + node.name + "'s VM is on the embedded fake cloud, whose VMs have no network:"
            + " ssh will not connect (it gives up after " + SSH_CONNECT_SECONDS + " s)");
      }
      Process p = new ProcessBuilder(cmd).inheritIO().start();
      return p.waitFor();
    }
  }

  /** The record's login user, else the one of its image's distribution (the record's image, else its VM's). */
  private static Optional<String> loginUser(Workspace ws, Node node) {
    if (node.loginUser().isPresent()) {
      return node.loginUser();
    }
    Optional<String> image = node.image();
    if (image.isEmpty()) {
      try (VmClient client = ws.client(false)) {
        image = client.status(node).flatMap(Instance::image);
      }
    }
    return image.flatMap(AccessCommands::imageUser);
  }

  /** The login user cloud images of a distribution have, from the image's name or id; none when unknown. */
  private static Optional<String> imageUser(String image) {
    String i = image.toLowerCase(Locale.ROOT);
    return Stream.of("debian", "ubuntu", "alpine", "fedora", "centos", "rocky", "almalinux").filter(i::startsWith)
        .findFirst().or(() -> i.startsWith("amzn") || i.startsWith("al2023") ? Optional.of("ec2-user")
            : Optional.empty());
  }

  /** How long ssh may take to connect before it gives up. */
  static final int SSH_CONNECT_SECONDS = 15;

  /**
   * The private key of key pair {@code name} in ~/.ssh, as EC2 and CloudStack users keep them; none for a
   * name that is not a plain file name there.
   */
  private static Optional<Path> privateKeyOf(String name) {
    if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_.@+=,-]*")) {
      return Optional.empty();
    }
    Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
    return java.util.stream.Stream.of(ssh.resolve(name), ssh.resolve(name + ".pem")).filter(Files::isRegularFile)
        .findFirst();
  }

  private static String shellQuoted(String word) {
    return word.matches("[A-Za-z0-9@%+=:,./_-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
  }

  @Command(name = "console", description = "Print what NODE's VM printed on its console (boot, cloud-init).")
  static final class ConsoleOutput extends Subcommand {
    @Mixin
    NodeArgument node;

    @Override
    public Integer call() {
      return withClient(false, (o, ws, client) -> {
        String text = client.console(node.record(ws)).output();
        o.answer(text.endsWith("\n") ? text.substring(0, text.length() - 1) : text);
        o.json(Output.fields("node", node.name, "output", text));
      });
    }
  }
}
