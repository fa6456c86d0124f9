/**
 * kubelab: a platform (a Kubernetes cluster, its StorageClass and cluster services), then the
 * labs switched on in the stack's config. `pulumi up --stack <env>`; see README.md.
 */
import { clusterNeeds, deployLabs } from "./components/labs/registry";
import { loadSettings } from "./components/labs/stack-settings";
import { createPlatform } from "./infra/registry";

export = async () => {
    const settings = loadSettings();                                                  // validated once; errors name the key
    const platform = await createPlatform(settings.platform,                          // infra/<platform>/, imported on demand
        { stack: settings.stack, protectData: settings.protectData, needs: clusterNeeds(settings.labs) });
    const labs = await deployLabs(settings.labs, settings.lab,                        // components/labs/<lab>/, imported on demand
        { platform, images: settings.images, protectData: settings.protectData, ingressHost: settings.ingressHost });
    return {
        platform: platform.name,
        storageClass: platform.storageClassName,
        prerequisites: platform.prerequisites,                                        // commands to run first, one per line
        endpoints: labs.endpoints,                                                    // how to reach each lab instance
        ...(platform.kubeconfig ? { kubeconfig: platform.kubeconfig } : {}),         // a Pulumi secret
    };
};
