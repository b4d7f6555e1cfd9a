MODULE BenchParseOr;

	IMPORT Strings;

	PROCEDURE ParseOr* (IN s: ARRAY OF CHAR; default: INTEGER): INTEGER;
		VAR x, res: INTEGER;
	BEGIN
		Strings.StringToInt(s, x, res);
		IF res = 0 THEN RETURN x ELSE RETURN default END
	END ParseOr;

END BenchParseOr.
