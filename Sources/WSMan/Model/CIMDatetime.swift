/// CIM datetime text (`yyyymmddHHMMSS.mmmmmmsUUU`), the only datetime form Hyper-V accepts inside embedded
/// instances (ISO 8601 there fails the job with ErrorCode 32768).
public enum CIMDatetime {
    /// Formats seconds since 1970-01-01 UTC as a CIM datetime with a `+000` offset.
    public static func string(secondsSince1970 seconds: Double) -> String {
        let whole = Int64(seconds.rounded(.down))
        let micros = Int64(((seconds - Double(whole)) * 1_000_000).rounded())
        var days = whole / 86_400
        var rest = whole % 86_400
        if rest < 0 {
            rest += 86_400
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + pad(rest / 3600, 2) + pad(rest % 3600 / 60, 2)
            + pad(rest % 60, 2) + "." + pad(micros, 6) + "+000"
    }

    /// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
