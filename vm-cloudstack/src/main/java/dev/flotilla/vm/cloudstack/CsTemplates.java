package dev.flotilla.vm.cloudstack;

import com.google.gson.JsonObject;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.spi.ImageSaving;
import java.util.Optional;
import java.util.List;
import java.util.Map;
import org.jclouds.cloudstack.domain.AsyncCreateResponse;
import org.jclouds.cloudstack.domain.TemplateFilter;
import org.jclouds.cloudstack.domain.TemplateMetadata;
import org.jclouds.cloudstack.domain.Volume;
import org.jclouds.cloudstack.options.ListTemplatesOptions;
import org.jclouds.cloudstack.options.ListVolumesOptions;

/** Templates saved from VMs' root volumes. */
final class CsTemplates implements ImageSaving {
  private final CloudStackProvider p;

  CsTemplates(CloudStackProvider p) {
    this.p = p;
  }

  /**
   * createTemplate from the VM's root volume, waited for. CloudStack copies a stopped VM's volume only, so a
   * running VM is stopped first and started again afterwards, whether the copy worked or not (as EC2's
   * CreateImage reboots it). The template's OS type is the VM's.
   */
  @Override
  public Image save(String id, String name, Map<String, String> imageTags) {
    JsonObject vm = p.list("listVirtualMachines", Map.of("id", id, "listall", "true"), "virtualmachine").stream()
        .findFirst().orElseThrow(() -> new CloudException(Kind.NOT_FOUND, p.api(), null, "the cloud has no VM " + id));
    boolean running = "Running".equals(CloudStackProvider.string(vm, "state"));
    if (running) {
      p.awaitJob(p.jc("stopVirtualMachine", a -> a.getVirtualMachineApi().stopVirtualMachine(id)), "stopVirtualMachine");
    }
    try {
      String volume = p.jc("listVolumes", a -> a.getVolumeApi().listVolumes(ListVolumesOptions.Builder
          .virtualMachineId(id).type(Volume.Type.ROOT))).stream().map(Volume::getId).findFirst()
          .orElseThrow(() -> new CloudException(Kind.NOT_FOUND, p.api(), null, "VM " + id + " has no root volume"));
      AsyncCreateResponse made = p.jc("createTemplate", a -> a.getTemplateApi().createTemplate(TemplateMetadata.builder()
          .name(name).displayText("saved by Flotilla from VM " + CloudStackProvider.string(vm, "name")).osTypeId(CloudStackProvider.string(vm, "ostypeid"))
          .volumeId(volume).build()));
      p.awaitJob(made.getJobId(), "createTemplate");
      tagTemplate(made.getId(), imageTags);
      return new Image(made.getId(), name, null, imageTags);
    } finally {
      if (running) {
        p.awaitJob(p.jc("startVirtualMachine", a -> a.getVirtualMachineApi().startVirtualMachine(id)),
            "startVirtualMachine");
      }
    }
  }

  /** Tags a new template; one that cannot be tagged is deleted, as nothing would know it for Flotilla's. */
  private void tagTemplate(String templateId, Map<String, String> imageTags) {
    try {
      p.awaitJob(p.createTags("Template", templateId, imageTags), "createTags");
    } catch (CloudException e) {
      try {
        delete(templateId);
      } catch (CloudException alsoFailed) {
        e.addSuppressed(alsoFailed);
        throw new CloudException(e.kind(), p.api(), null, "template " + templateId + " was made but could not be tagged"
            + " (" + e.getMessage() + ") nor deleted: delete it in CloudStack", e);
      }
      throw e;
    }
  }

  /** The template, the account's own first (with its tags), else one it may boot. */
  @Override
  public java.util.Optional<Image> image(String imageId) {
    for (String filter : List.of("self", "executable")) {
      java.util.Optional<Image> found = p.list("listTemplates", Map.of("templatefilter", filter, "id", imageId),
          "template").stream().filter(t -> imageId.equals(CloudStackProvider.string(t, "id"))).findFirst()
          .map(t -> new Image(imageId, CloudStackProvider.string(t, "name"), CloudStackProvider.string(t, "account"), CloudStackProvider.tags(t)));
      if (found.isPresent()) {
        return found;
      }
    }
    return java.util.Optional.empty();
  }

  /** The template's readiness: READY once CloudStack says it is ready, ERROR for a failed copy. */
  @Override
  public java.util.Optional<Snapshot.Status> status(String imageId) {
    return p.jc("listTemplates", a -> a.getTemplateApi().listTemplates(ListTemplatesOptions.Builder
        .filter(TemplateFilter.SELF).id(imageId))).stream().findFirst().map(t -> t.isReady() ? Snapshot.Status.READY
        : String.valueOf(t.getStatus()).contains("ERROR") || String.valueOf(t.getStatus()).equals("ABANDONED")
        ? Snapshot.Status.ERROR : Snapshot.Status.CREATING);
  }

  /** deleteTemplate, waited for. */
  @Override
  public void delete(String imageId) {
    p.awaitJob(p.jc("deleteTemplate", a -> a.getTemplateApi().deleteTemplate(imageId)).getJobId(), "deleteTemplate");
  }
}
