MODULE BenchParseOr;

	IMPORT Strings;

	PROCEDURE ParseOr* (IN s: ARRAY OF CHAR; default: INTEGER): INTEGER;
	BEGIN
		RETURN 0
	END ParseOr;

END BenchParseOr.
