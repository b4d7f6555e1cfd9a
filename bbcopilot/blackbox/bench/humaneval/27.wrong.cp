MODULE BenchHe27;

	IMPORT Strings, BenchTypes;

	PROCEDURE FlipCase* (IN string0: ARRAY OF CHAR): BenchTypes.String;
		VAR r: BenchTypes.String; i: INTEGER;
	BEGIN
		r := BenchTypes.NewString(string0);
		FOR i := 0 TO LEN(r$) - 1 DO
			IF Strings.IsUpper(r[i]) THEN r[i] := Strings.Lower(r[i]) END;
			IF Strings.IsLower(r[i]) THEN r[i] := Strings.Upper(r[i]) END
		END;
		RETURN r
	END FlipCase;

END BenchHe27.
