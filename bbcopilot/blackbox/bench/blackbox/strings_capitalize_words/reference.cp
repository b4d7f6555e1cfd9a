MODULE BenchCapitalize;

	IMPORT Strings;

	PROCEDURE Capitalize* (IN s: ARRAY OF CHAR; OUT res: ARRAY OF CHAR);
		VAR i: INTEGER; atStart: BOOLEAN;
	BEGIN
		i := 0; atStart := TRUE;
		WHILE s[i] # 0X DO
			IF s[i] = " " THEN res[i] := s[i]; atStart := TRUE
			ELSIF atStart THEN res[i] := Strings.Upper(s[i]); atStart := FALSE
			ELSE res[i] := Strings.Lower(s[i])
			END;
			INC(i)
		END;
		res[i] := 0X
	END Capitalize;

END BenchCapitalize.
