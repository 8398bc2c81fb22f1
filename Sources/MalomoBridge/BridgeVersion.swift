/// The bridge's version.
public enum BridgeVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
