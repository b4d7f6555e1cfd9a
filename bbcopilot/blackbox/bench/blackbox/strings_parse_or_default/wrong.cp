MODULE BenchParseOr;

	IMPORT Strings;

	(* StrToIntDef-style guess: the result code is ignored and a zero result taken for a failure. *)
	PROCEDURE ParseOr* (IN s: ARRAY OF CHAR; default: INTEGER): INTEGER;
		VAR x, res: INTEGER;
	BEGIN
		x := 0;
		Strings.StringToInt(s, x, res);
		IF x = 0 THEN RETURN default ELSE RETURN x END
	END ParseOr;

END BenchParseOr.
