// Heatmap decode for edgepose bundles on iOS: a line-by-line twin of
// edgepose/bundle/decode_spec.py (argmax + DARK sub-pixel refinement, quarter-offset fallback).
// Unit-test it against the bundle's test_vectors.json.
import Foundation

struct Keypoint { let x: Float; let y: Float; let score: Float }

struct PoseDecoder {
    let sigma: Double
    let stride: Double
    var codec: String = "gaussian"  // the contract's codec: gaussian | udp | msra

    /// Heatmap coordinate v on an axis of n cells -> input pixels, by the contract's codec.
    private func toInput(_ v: Double, _ n: Int) -> Double {
        switch codec {
        case "udp": return v * (Double(n) * stride - 1) / Double(n - 1)
        case "msra": return v * stride
        default: return (v + 0.5) * stride - 0.5
        }
    }
    private var kernel: [Double] {
        let k = 2 * Int(3 * sigma) + 1, c = k / 2
        let w = (0..<k).map { exp(-Double(($0 - c) * ($0 - c)) / (2 * sigma * sigma)) }
        let s = w.reduce(0, +)
        return w.map { $0 / s }
    }

    /// heatmaps: dequantized floats, row-major [h][w][K] flattened; returns K keypoints in input pixels.
    func decode(_ heatmaps: [Float], h: Int, w: Int, k: Int) -> [Keypoint] {
        (0..<k).map { ch in
            decodeChannel((0..<h).map { y in (0..<w).map { x in Double(heatmaps[(y * w + x) * k + ch]) } })
        }
    }

    private func blur(_ p: [[Double]]) -> [[Double]] {
        let h = p.count, w = p[0].count, kern = kernel, c = kern.count / 2
        let rows = (0..<h).map { y in (0..<w).map { x -> Double in
            var s = 0.0
            for t in 0..<kern.count { let xx = x + t - c; if xx >= 0 && xx < w { s += kern[t] * p[y][xx] } }
            return s } }
        return (0..<h).map { y in (0..<w).map { x -> Double in
            var s = 0.0
            for t in 0..<kern.count { let yy = y + t - c; if yy >= 0 && yy < h { s += kern[t] * rows[yy][x] } }
            return s } }
    }

    private func sign(_ v: Double) -> Double { v > 0 ? 1 : (v < 0 ? -1 : 0) }

    private func decodeChannel(_ p: [[Double]]) -> Keypoint {
        let h = p.count, w = p[0].count
        var best = -Double.infinity, bx = 0, by = 0
        for y in 0..<h { for x in 0..<w where p[y][x] > best { best = p[y][x]; bx = x; by = y } }
        let qx = (bx > 0 && bx < w - 1) ? 0.25 * sign(p[by][bx + 1] - p[by][bx - 1]) : 0
        let qy = (by > 0 && by < h - 1) ? 0.25 * sign(p[by + 1][bx] - p[by - 1][bx]) : 0
        let b = blur(p)
        let bmax = b.map { $0.max()! }.max()!
        let scale = bmax > 0 ? best / bmax : 1
        let logs = b.map { row in row.map { log(max($0 * scale, 1e-10)) } }
        func at(_ dy: Int, _ dx: Int) -> Double { logs[min(max(by + dy, 0), h - 1)][min(max(bx + dx, 0), w - 1)] }
        let c = at(0, 0)
        let gx = 0.5 * (at(0, 1) - at(0, -1)), gy = 0.5 * (at(1, 0) - at(-1, 0))
        let hxx = 0.25 * (at(0, 2) - 2 * c + at(0, -2)), hyy = 0.25 * (at(2, 0) - 2 * c + at(-2, 0))
        let hxy = 0.25 * (at(1, 1) - at(-1, 1) - at(1, -1) + at(-1, -1))
        let det = hxx * hyy - hxy * hxy
        var ox = qx, oy = qy
        if abs(det) > 1e-12 && bx >= 2 && bx <= w - 3 && by >= 2 && by <= h - 3 && hxx < 0 && hyy < 0 {
            let dx = -(hyy * gx - hxy * gy) / det
            let dy = -(-hxy * gx + hxx * gy) / det
            let towardsX = dx * qx >= 0 || abs(dx) < 0.05
            let towardsY = dy * qy >= 0 || abs(dy) < 0.05
            if abs(dx) <= 0.5 && abs(dy) <= 0.5 && towardsX && towardsY { ox = dx; oy = dy }
        }
        return Keypoint(x: Float(toInput(Double(bx) + ox, w)), y: Float(toInput(Double(by) + oy, h)), score: Float(best))
    }
}
