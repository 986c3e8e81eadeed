// JUnit test: the Kotlin decoder against the bundle's test_vectors.json (copy it to src/test/resources).
package ai.edgepose.example

import org.json.JSONObject
import org.junit.Assert.assertEquals
import org.junit.Test

class PoseDecoderTest {
    @Test
    fun matchesThePythonRuntime() {
        val text = javaClass.getResource("/test_vectors.json")!!.readText()
        val v = JSONObject(text)
        val scale = v.getDouble("scale"); val zero = v.getInt("zero_point"); val tol = v.getDouble("tolerance_px")
        val decoder = PoseDecoder(v.getDouble("sigma"), v.getDouble("stride"), v.optString("codec", "gaussian"))
        val cases = v.getJSONArray("cases")
        for (i in 0 until cases.length()) {
            val c = cases.getJSONObject(i)
            val shape = c.getJSONArray("shape_hwk"); val h = shape.getInt(0); val w = shape.getInt(1); val k = shape.getInt(2)
            val q = c.getJSONArray("int8_hwk_row_major")
            val hm = FloatArray(q.length()) { j -> ((q.getInt(j) - zero) * scale).toFloat() }
            val got = decoder.decode(hm, h, w, k)
            val want = c.getJSONArray("expected_keypoints_xy")
            for (j in 0 until k) {
                assertEquals(want.getJSONArray(j).getDouble(0), got[j].x.toDouble(), tol)
                assertEquals(want.getJSONArray(j).getDouble(1), got[j].y.toDouble(), tol)
            }
        }
    }
}
