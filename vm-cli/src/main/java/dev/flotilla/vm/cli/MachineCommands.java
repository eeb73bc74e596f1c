package dev.flotilla.vm.cli;

import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** What VMs are made of: {@code vm types, resize, images, image-save, image-rm}. */
final class MachineCommands {
  private MachineCommands() {}

  @Command(name = "types", description = "List the instance types; the default is marked *.")
  static final class Types extends Subcommand {
    @Override
    public Integer call() {
      return withClient(false, (o, ws, client) -> {
        List<InstanceType> types = client.types();
        List<List<String>> rows = new ArrayList<>();
        // StratusLab's columns; OpenStack's flavors add their disk, CloudStack's offerings their HA flag
        boolean disks = types.stream().anyMatch(t -> t.diskGb() > 0);
        boolean ha = types.stream().anyMatch(InstanceType::highAvailability);
        List<String> header = new ArrayList<>(Output.row("", "TYPE", "CPU", "RAM(MB)", "SWAP(MB)"));
        if (disks) {
          header.add("DISK(GB)");
        }
        if (ha) {
          header.add("HA");
        }
        rows.add(header);
        for (InstanceType t : types) {
          List<String> row = new ArrayList<>(Output.row(t.isDefault() ? "*" : " ", t.name(), "" + t.cpus(),
              "" + t.memoryMb(), "" + t.swapMb()));
          if (disks) {
            row.add("" + t.diskGb());
          }
          if (ha) {
            row.add(t.highAvailability() ? "yes" : "no");
          }
          rows.add(row);
        }
        o.table(rows);
        o.json(Output.fields("types", types));
      });
    }
  }

  @Command(name = "resize", description = "Give NODE's VM the instance type TYPE (a service offering, flavor or"
      + " EC2 type); stop it first, unless the cloud resizes running VMs. The record keeps the new type.")
  static final class Resize extends Subcommand {
    @Mixin
    NodeArgument node;

    @Parameters(index = "1", paramLabel = "TYPE")
    String type;

    @Override
    public Integer call() {
      return withClient(true, (o, ws, client) -> {
        Instance vm = client.resize(node.record(ws), type);
        o.say("resized " + node.name + " (" + vm.id() + ", " + o.state(vm.state(), vm.providerState()) + ") to " + type);
        o.json(Output.fields("vm", Output.vmJson(vm)));
      });
    }
  }

  @Command(name = "images", description = "List the images nodes can boot.")
  static final class ImageList extends Subcommand {
    @Override
    public Integer call() {
      return withClient(false, (o, ws, client) -> {
        List<Image> images = client.images().list();
        List<List<String>> rows = new ArrayList<>();
        rows.add(Output.row("ID", "NAME", "OWNER"));
        images.forEach(i -> rows.add(Output.row(i.id(), i.name(), i.owner())));
        o.table(rows);
        o.json(Output.fields("images", images));
      });
    }
  }

  @Command(name = "image-save", description = "Save NODE's VM as image NAME that new nodes can boot (OpenStack's"
      + " server image create); prints the new image's id.")
  static final class ImageSave extends Subcommand {
    @Mixin
    NodeArgument node;

    @Parameters(index = "1", paramLabel = "NAME")
    String imageName;

    @Override
    public Integer call() {
      return withClient(true, (o, ws, client) -> {
        dev.flotilla.vm.Image image = client.images(node.record(ws)).save(imageName);
        if (o.quiet()) {
          o.answer(image.id());
        }
        o.say("saved " + node.name + " as image " + image.name() + "; boot it with vm.image " + image.id());
        o.json(Output.fields("id", image.id(), "name", image.name()));
      });
    }
  }

  @Command(name = "image-rm", description = "Delete image IMAGE_ID, one 'vm image-save' made (its flotilla:saved-from"
      + " tag says so); an image Flotilla did not save needs --force.")
  static final class ImageRm extends Subcommand {
    @Parameters(index = "0", paramLabel = "IMAGE_ID")
    String imageId;

    @Override
    public Integer call() {
      return withClient(false, (o, ws, client) -> {
        client.images().delete(imageId, cli.force);
        o.say("deleted image " + imageId);
        o.json(Output.fields("deleted", imageId));
      });
    }
  }
}
