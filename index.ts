/**
 * kubelab: a platform (a Kubernetes cluster, its StorageClass and cluster services), then the
 * labs switched on in the stack's config. `pulumi up --stack <env>`; see README.md.
 */
import { deployLabs } from "./components/labs";
import { createPlatform } from "./infra/platforms";
import { loadSettings } from "./infra/settings";

export = async () => {
    const settings = loadSettings();                                          // validated once; errors name the key
    const platform = await createPlatform(settings.platform, settings.protectData); // infra/<name>.ts, imported on demand
    const labs = deployLabs(platform, { labs: settings.lab, images: settings.images, protectData: settings.protectData, ingressHost: settings.ingressHost });
    return {
        platform: platform.name,
        storageClass: platform.storageClassName,
        prerequisites: platform.prerequisites,
        endpoints: labs.endpoints,                                           // how to reach each lab
        ...(platform.kubeconfig ? { kubeconfig: platform.kubeconfig } : {}), // a Pulumi secret
    };
};
