/**
 * kubelab: a platform (a Kubernetes cluster, its StorageClass and cluster services), then the
 * labs switched on in the stack's config. `pulumi up --stack <env>`; see README.md.
 */
import { clusterNeeds, deployLabs } from "./components/labs/registry";
import { loadSettings } from "./components/labs/stack-settings";
import { VOLUMES_OUTPUT, VolumeLedger, checkVolumeSettings, readPreviousVolumes, settingAt } from "./components/volume-growth";
import { createPlatform } from "./infra/registry";

export = async () => {
    const settings = loadSettings();                                                  // validated once; errors name the key
    const previousVolumes = await readPreviousVolumes();                              // this stack's last `volumes` output ({} at first)
    checkVolumeSettings(previousVolumes, s => settingAt(settings.lab, s));            // sizes only grow: refused before anything is created
    const platform = await createPlatform(settings.platform,                          // infra/<platform>/, imported on demand
        { stack: settings.stack, protectData: settings.protectData, needs: clusterNeeds(settings.labs) });
    const volumeLedger = new VolumeLedger(previousVolumes, settings.restartPodsOnResize);
    const labs = await deployLabs(settings.labs, settings.lab,                        // components/labs/<lab>/, imported on demand
        { platform, images: settings.images, protectData: settings.protectData, ingressHost: settings.ingressHost, volumeLedger });
    return {
        platform: platform.name,
        storageClass: platform.storageClassName,
        prerequisites: platform.prerequisites,                                        // commands to run first, one per line
        endpoints: labs.endpoints,                                                    // how to reach each lab instance
        [VOLUMES_OUTPUT]: volumeLedger.output(),                                      // claims and sizes, read back by the next update
        ...(platform.kubeconfig ? { kubeconfig: platform.kubeconfig } : {}),         // a Pulumi secret
    };
};
