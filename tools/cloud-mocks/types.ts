/**
 * How one cloud provider's resources and invokes are imitated offline (tools/mocks.ts routes by
 * type and token prefix). Each cloud has its own file here, so that each is read in one place.
 */
export type MockState = Record<string, unknown>;

export interface CloudMock {
    /** Type and token prefix this mock answers, e.g. `azure-native:` or `aws:`. */
    prefix: string;
    /**
     * The state a provider's Create (update) or Check (preview) returns: the inputs plus what the
     * cloud computes, unknown (`pulumi.unknown`) in a preview where a real preview leaves it so.
     * Throws, naming the type, for a resource type it does not model.
     */
    newResource(type: string, name: string, inputs: MockState, preview: boolean): { id: string | undefined; state: MockState };
    /** What an invoke returns, well-formed as the provider's documented result; throws for a token it does not model. */
    call(token: string, inputs: MockState, preview: boolean): MockState;
}
