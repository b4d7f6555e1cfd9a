MODULE BenchTypeCensus;

	IMPORT Services, BenchTypes;

	PROCEDURE TypeName* (p: ANYPTR): BenchTypes.String;
		VAR name: ARRAY 256 OF CHAR;
	BEGIN
		IF p = NIL THEN RETURN BenchTypes.NewString("") END;
		Services.GetTypeName(p^, name);
		RETURN BenchTypes.NewString(name)
	END TypeName;

	PROCEDURE Count* (IN objs: ARRAY OF ANYPTR; n: INTEGER; IN type: ARRAY OF CHAR): INTEGER;
		VAR i, k: INTEGER;
	BEGIN
		k := 0;
		FOR i := 0 TO n - 1 DO
			IF (objs[i] # NIL) & Services.Is(objs[i]^, type) THEN INC(k) END
		END;
		RETURN k
	END Count;

END BenchTypeCensus.
