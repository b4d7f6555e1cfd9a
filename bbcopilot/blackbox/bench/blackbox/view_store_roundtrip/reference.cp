MODULE BenchStoreView;

	IMPORT Fonts, Ports, Stores, Views;

	CONST version = 0;

	TYPE
		View* = POINTER TO RECORD (Views.View)
			label-: ARRAY 64 OF CHAR;
			count-: INTEGER;
			on-: BOOLEAN
		END;

	PROCEDURE (v: View) Externalize- (VAR wr: Stores.Writer);
	BEGIN
		v.Externalize^(wr);
		wr.WriteVersion(version);
		wr.WriteString(v.label); wr.WriteInt(v.count); wr.WriteBool(v.on)
	END Externalize;

	PROCEDURE (v: View) Internalize- (VAR rd: Stores.Reader);
		VAR thisVersion: INTEGER;
	BEGIN
		v.Internalize^(rd);
		IF rd.cancelled THEN RETURN END;
		rd.ReadVersion(version, version, thisVersion);
		IF rd.cancelled THEN RETURN END;
		rd.ReadString(v.label); rd.ReadInt(v.count); rd.ReadBool(v.on)
	END Internalize;

	PROCEDURE (v: View) CopyFromSimpleView- (source: Views.View);
	BEGIN
		WITH source: View DO
			v.label := source.label; v.count := source.count; v.on := source.on
		END
	END CopyFromSimpleView;

	PROCEDURE (v: View) Restore* (f: Views.Frame; l, t, r, b: INTEGER);
	BEGIN
		f.DrawString(Ports.mm, 5 * Ports.mm, Ports.black, v.label, Fonts.dir.Default())
	END Restore;

	PROCEDURE New* (IN label: ARRAY OF CHAR; count: INTEGER; on: BOOLEAN): View;
		VAR v: View;
	BEGIN
		NEW(v); v.label := label$; v.count := count; v.on := on;
		RETURN v
	END New;

END BenchStoreView.
