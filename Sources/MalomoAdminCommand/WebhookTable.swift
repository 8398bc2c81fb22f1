import Foundation
import MalomoAdmin

/// `webhooks list` as aligned columns.
enum WebhookTable {
    static func render(_ webhooks: [MalomoWebhook]) -> String {
        guard !webhooks.isEmpty else { return "no webhooks" }
        let rows = [["ID", "TOPIC", "URL", "ACTIVE"]] + webhooks.map { [$0.id, $0.topic, $0.url, $0.active ? "yes" : "no"] }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == 3 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
