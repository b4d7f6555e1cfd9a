MODULE BenchHe6;

	IMPORT BenchTypes;

	PROCEDURE ParseNestedParens* (IN paren_string: ARRAY OF CHAR): BenchTypes.IntList;
		VAR r: BenchTypes.IntList; i, n, groups, opened: INTEGER; ch: CHAR;
	BEGIN
		n := LEN(paren_string$);
		groups := 0;
		FOR i := 0 TO n - 1 DO
			IF (paren_string[i] # " ") & ((i = 0) OR (paren_string[i - 1] = " ")) THEN INC(groups) END
		END;
		IF groups = 0 THEN RETURN NIL END;	(* BlackBox has no empty arrays *)
		NEW(r, groups);
		groups := 0; opened := 0;
		FOR i := 0 TO n DO
			ch := paren_string[i];
			IF ch = "(" THEN
				INC(opened)
			ELSIF ch = ")" THEN
			ELSIF (i > 0) & (paren_string[i - 1] # " ") THEN
				r[groups] := opened; INC(groups); opened := 0
			END
		END;
		RETURN r
	END ParseNestedParens;

END BenchHe6.
